"""Listeners to the bad-rating loop's records, so apps built on residents follow them without residents
importing them (arrows stay one way: ``upward`` → ``residents``, never back).

A listener ``fn(kind=, rating=, record=)`` is called inside the transaction of the service that wrote the
record, after the row is saved: ``kind`` is ``"rating"`` (a first rating or a 追评; ``record`` is the rating),
``"callback"`` (a 回访 logged; ``record`` the ``Callback``) or ``"rectification"`` (the 整改 report of a bad
rating; ``record`` the ``Rectification``). A listener raising rolls the whole write back, so what it queues
(e.g. the 好差评 upward report in its outbox) exists exactly when the record does. Register in
``AppConfig.ready()``; registering twice keeps one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

RatingListener = Callable[..., None]

_listeners: list[RatingListener] = []


def register_rating_listener(listener: RatingListener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def rating_record_written(*, kind: str, rating: Any, record: Any) -> None:
    """Tell every listener that ``record`` (of ``rating``) was written in the current transaction."""
    for listener in list(_listeners):
        listener(kind=kind, rating=rating, record=record)
