"""Pages of this app."""

from django.urls import path

from agency import home_views, views

urlpatterns = [
    path("", home_views.home, name="home"),
    path("sites/<str:code>/roster/", views.site_roster_page, name="site-roster"),
    path("sites/<str:code>/screen/", views.site_screen_page, name="site-screen"),
    path("sites/<str:code>/screen/data/", views.site_screen_data, name="site-screen-data"),
]
