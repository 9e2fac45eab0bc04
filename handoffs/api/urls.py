from django.urls import path

from handoffs.api import views

urlpatterns = [
    path("cases/<str:case_no>/handoff/", views.HandoffSendView.as_view(), name="api-case-handoff"),
    path(
        "cases/<str:case_no>/handoff/reference/",
        views.HandoffReferenceView.as_view(),
        name="api-case-handoff-reference",
    ),
    path(
        "cases/<str:case_no>/handoff/return/",
        views.HandoffReturnView.as_view(),
        name="api-case-handoff-return",
    ),
]
