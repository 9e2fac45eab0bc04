"""Pages of the standards app: the 达标 campaign, its export, a site's assessment, review and evidence."""

from django.urls import path

from standards import views

urlpatterns = [
    path("standards/", views.campaign_page, name="standards-report"),
    path("standards/export.xlsx", views.campaign_export, name="standards-export"),
    path("standards/evidence/<int:pk>/", views.evidence_file, name="standards-evidence"),
    path("standards/<str:code>/", views.site_page, name="standards-site"),
    path("standards/<str:code>/review/", views.review, name="standards-review"),
]
