"""Open311 GeoReport v2 routes (mounted at /open311/v2/ from config/urls.py)."""

from django.urls import re_path

from oversight import open311

urlpatterns = [
    re_path(r"^services\.(?P<fmt>json|xml)$", open311.services_view, name="open311-services"),
    re_path(
        r"^services/(?P<code>[^/]+)\.(?P<fmt>json|xml)$",
        open311.service_definition_view,
        name="open311-service",
    ),
    re_path(r"^requests\.(?P<fmt>json|xml)$", open311.requests_view, name="open311-requests"),
    re_path(
        r"^requests/(?P<case_no>[^/]+)\.(?P<fmt>json|xml)$",
        open311.request_detail_view,
        name="open311-request",
    ),
]
