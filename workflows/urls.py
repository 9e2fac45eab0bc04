"""Pages of this app: the grid worker's phone pages (``/m/``) and the station staff pages (``/staff/``)."""

from django.urls import path

from workflows import reroute_views, views, workbench_views

app_name = "workflows"

urlpatterns = [
    path("m/", views.m_home, name="m-home"),
    path("m/new/", views.m_new, name="m-new"),
    path("m/new/category/<slug:category>/", views.m_new_matter, name="m-new-matter"),
    path("m/new/matter/<str:matter_code>/", views.m_new_form, name="m-new-form"),
    path("m/prefill/", views.m_prefill, name="m-prefill"),
    path("m/cases/<str:case_no>/", views.m_case, name="m-case"),
    path("m/cases/<str:case_no>/<slug:action>/", views.case_action, {"ui": "m"}, name="m-case-action"),
    path("staff/", views.staff_queue, name="staff-queue"),
    path("staff/cases/", workbench_views.staff_cases, name="staff-cases"),
    path("staff/cases/bulk/", workbench_views.staff_cases_bulk, name="staff-cases-bulk"),
    path("staff/away/", reroute_views.staff_away, name="staff-away"),
    path("staff/away/<int:agent_id>/reroute/", reroute_views.staff_away_reroute, name="staff-away-reroute"),
    path("staff/cases/<str:case_no>/", views.staff_case, name="staff-case"),
    path(
        "staff/cases/<str:case_no>/<slug:action>/",
        views.case_action,
        {"ui": "staff"},
        name="staff-case-action",
    ),
]
