"""API routes of this app (mounted under /api/v1/)."""

from django.urls import path

from workflows.api import views

urlpatterns = [
    path("cases/", views.CaseListCreateView.as_view(), name="api-case-list"),
    path("cases/<str:case_no>/", views.CaseDetailView.as_view(), name="api-case-detail"),
    *[
        path(f"cases/<str:case_no>/{name}/", view.as_view(), name=f"api-case-{name}")
        for name, view in views.ACTION_VIEWS.items()
    ],
]
