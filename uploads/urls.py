"""Pages of the uploads app (under /m/, inside the service worker's scope; photos themselves are never cached)."""

from django.urls import path

from uploads import views

app_name = "uploads"

urlpatterns = [
    path("m/materials/<str:case_no>/", views.m_materials, name="m-materials"),
    path("m/photos/<int:photo_id>/", views.PhotoFileView.as_view(), name="photo-file"),
]
