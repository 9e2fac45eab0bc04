from django.urls import path

from bundles.api import views

urlpatterns = [
    path("bundles/", views.BundleListView.as_view(), name="api-bundle-list"),
    path("bundles/intake/", views.BundleIntakeView.as_view(), name="api-bundle-intake"),
    path("bundles/stats/", views.BundleStatsView.as_view(), name="api-bundle-stats"),
    path("bundles/cases/<str:case_no>/", views.BundleCaseView.as_view(), name="api-bundle-case"),
    path("bundles/cases/<str:case_no>/add/", views.BundleAddView.as_view(), name="api-bundle-add"),
    path("bundles/cases/<str:case_no>/drop/", views.BundleDropView.as_view(), name="api-bundle-drop"),
    path("bundles/<str:code>/", views.BundleDetailView.as_view(), name="api-bundle-detail"),
]
