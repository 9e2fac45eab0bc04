"""The DRF exception handler: ApplicationError → {"message","extra"}; Django errors → field dicts."""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions as drf_exceptions

from core.exceptions import ApplicationError, drf_exception_handler


@pytest.mark.parametrize("status", [400, 403, 404, 409])
def test_application_error_shape_and_status(status):
    exc = ApplicationError("该状态不能执行此操作", {"status": "closed"}, status=status)
    response = drf_exception_handler(exc, {})
    assert response is not None
    assert response.status_code == status
    assert response.data == {"message": "该状态不能执行此操作", "extra": {"status": "closed"}}


def test_application_error_defaults():
    response = drf_exception_handler(ApplicationError("不行"), {})
    assert response.status_code == 400
    assert response.data == {"message": "不行", "extra": {}}


def test_django_validation_error_becomes_field_dict():
    exc = DjangoValidationError({"resident_phone": ["请输入有效的手机号码。"], "address": ["不能为空。"]})
    response = drf_exception_handler(exc, {})
    assert response.status_code == 400
    assert response.data == {"resident_phone": ["请输入有效的手机号码。"], "address": ["不能为空。"]}


def test_django_validation_error_without_field():
    response = drf_exception_handler(DjangoValidationError("整体错误"), {})
    assert response.status_code == 400
    assert response.data == {"non_field_errors": ["整体错误"]}


def test_drf_validation_error_kept_as_field_dict():
    response = drf_exception_handler(drf_exceptions.ValidationError({"site": ["未知站点"]}), {})
    assert response.status_code == 400
    assert response.data == {"site": ["未知站点"]}


def test_http404_and_permission_denied_get_message_shape():
    not_found = drf_exception_handler(Http404("未找到该案件"), {})
    assert not_found.status_code == 404
    assert not_found.data == {"message": "未找到该案件", "extra": {}}
    denied = drf_exception_handler(PermissionDenied(), {})
    assert denied.status_code == 403
    assert set(denied.data) == {"message", "extra"} and denied.data["message"]


def test_throttled_is_429_with_message():
    response = drf_exception_handler(drf_exceptions.Throttled(wait=30), {})
    assert response.status_code == 429
    assert set(response.data) == {"message", "extra"}


def test_unknown_exceptions_are_left_to_django():
    assert drf_exception_handler(RuntimeError("boom"), {}) is None
