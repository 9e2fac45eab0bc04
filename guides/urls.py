from django.urls import path

from guides import views

app_name = "guides"

urlpatterns = [
    path("guides/", views.index, name="index"),
    path("guides/<str:code>/", views.matter_page, name="matter"),
    path("sites/<str:site_code>/guides/<str:matter_code>/poster.pdf", views.poster, name="poster"),
    path("sites/<str:site_code>/leaflet.pdf", views.leaflet, name="leaflet"),
]
