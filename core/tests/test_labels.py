"""core.labels.choice_label: the label in the active language, cached without going stale across languages."""

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.labels import choice_label


class Answer(models.TextChoices):
    YES = "y", _("Yes")
    NO = "n", _("No")


def test_label_follows_the_active_language():
    with translation.override("zh-hans"):
        assert choice_label(Answer, "y") == str(Answer.YES.label) == "是"
    with translation.override("en"):
        assert choice_label(Answer, "y") == "Yes"
    with translation.override("zh-hans"):
        assert choice_label(Answer, "n") == str(_("No"))


def test_unknown_value_is_shown_as_it_is():
    assert choice_label(Answer, "maybe") == "maybe"


def test_same_as_get_foo_display_for_the_case_model():
    from workflows.models import Case, CaseEvent

    case = Case(status=Case.Status.AWAITING_MATERIALS)
    assert choice_label(Case.Status, case.status) == str(case.get_status_display())
    assert CaseEvent(kind="created").kind_label == str(CaseEvent.Kind("created").label)
    assert CaseEvent(kind="no-such-kind").kind_label == "no-such-kind"
