"""The offline shell of the grid worker's pages (issue 14), all inside the service worker's scope ``/m/``."""

from django.urls import path

from workflows import offline_views

app_name = "m_offline"

urlpatterns = [
    path("m/sw.js", offline_views.service_worker, name="sw"),
    path("m/manifest.webmanifest", offline_views.manifest, name="manifest"),
    path("m/offline/", offline_views.offline_page, name="page"),
    path("m/offline/data.json", offline_views.offline_data, name="data"),
]
