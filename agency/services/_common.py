"""What every agency write shares: the audit row, the phone check and the allowed-fields update."""

from typing import Any

from django.core.exceptions import ValidationError

from core.exceptions import ApplicationError
from core.models import User
from core.phones import normalize_phone
from core.services import audit_log

PHONE_INVALID_MESSAGE = "请输入有效的手机号码，例如 138 0013 8000。"


def audit(actor: User | None, action: str, obj: Any, **detail: Any) -> None:
    audit_log(
        actor=actor,
        action=action,
        target_type=obj._meta.model_name,
        target_id=str(obj.pk),
        detail={k: jsonable(v) for k, v in detail.items()},
    )


def jsonable(value: Any) -> Any:
    """``value`` as the audit log's JSON can hold it: model instances by pk, anything else odd as text."""
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "pk"):
        return value.pk
    return str(value)


def phone_e164(raw: str | None, *, field_name: str = "phone") -> str:
    number = normalize_phone(raw)
    if number is None:
        raise ValidationError({field_name: [PHONE_INVALID_MESSAGE]})
    return number


def apply_changes(obj: Any, allowed: frozenset[str], fields: dict[str, Any]) -> dict[str, Any]:
    """Set on ``obj`` the ``fields`` whose values differ and return those (for the audit row); a field
    outside ``allowed`` refuses the whole update."""
    unknown = set(fields) - allowed
    if unknown:
        raise ApplicationError("不能修改这些字段。", {"fields": sorted(unknown)})
    changed: dict[str, Any] = {}
    for name, value in fields.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed[name] = value
    return changed
