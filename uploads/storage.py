"""Where photo files live: the storage alias ``MATERIAL_PHOTO_STORAGE`` of ``STORAGES``, looked up on every
use (local disk by default; an S3-compatible bucket in production, ``config/settings/object_storage.py``),
and how the scope-checked view hands a photo out (streamed, or a short-lived signed URL of the storage)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.http import FileResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase


def current_photo_storage() -> Storage:
    return storages[getattr(settings, "MATERIAL_PHOTO_STORAGE", "default")]


class PhotoStorage(Storage):
    """Delegates every call to the storage configured *now*, not the one configured when the model class
    was built (Django evaluates a field's storage callable once, at import), so a deployment or a test can
    move photos to another backend by settings alone."""

    def __getattr__(self, name: str) -> Any:  # backend-specific attributes (querystring_auth, bucket, …)
        return getattr(current_photo_storage(), name)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PhotoStorage)

    def __hash__(self) -> int:
        return hash(PhotoStorage)


def _delegate(name: str) -> Any:
    def method(self: PhotoStorage, *args: Any, **kwargs: Any) -> Any:
        return getattr(current_photo_storage(), name)(*args, **kwargs)

    method.__name__ = name
    return method


# Storage's own methods (``__getattr__`` is not asked for names the class already has)
for _name in (
    "open",
    "save",
    "get_valid_name",
    "get_alternative_name",
    "get_available_name",
    "generate_filename",
    "path",
    "delete",
    "exists",
    "listdir",
    "size",
    "url",
    "get_accessed_time",
    "get_created_time",
    "get_modified_time",
):
    setattr(PhotoStorage, _name, _delegate(_name))


def signs_urls(storage: Any) -> bool:
    """An S3-style storage whose ``url()`` is a signed, expiring link to a private object."""
    return bool(getattr(storage, "querystring_auth", False)) and not getattr(storage, "custom_domain", None)


def photo_response(*, file: Any, content_type: str, filename: str) -> HttpResponseBase:
    """The photo for a caller who passed the scope check: a redirect to a signed URL that expires in
    ``MEDIA_S3_SIGNED_URL_SECONDS`` (with ``MATERIAL_PHOTO_SIGNED_REDIRECT`` on a signing storage), else the
    bytes streamed through this process. Never cached by shared caches or the service worker."""
    storage = file.storage
    response: HttpResponseBase
    if getattr(settings, "MATERIAL_PHOTO_SIGNED_REDIRECT", False) and signs_urls(current_photo_storage()):
        disposition = f'inline; filename="{filename}"'
        response = HttpResponseRedirect(
            storage.url(
                file.name,
                parameters={"ResponseContentType": content_type, "ResponseContentDisposition": disposition},
            )
        )
    else:
        response = FileResponse(file.open("rb"), content_type=content_type)
        response["Content-Disposition"] = f'inline; filename="{filename}"'
        response["X-Content-Type-Options"] = "nosniff"  # personal documents: never sniffed as HTML
    response["Cache-Control"] = "private, no-store"
    return response
