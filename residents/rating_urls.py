"""Staff pages of the bad-rating loop (``/staff/ratings/``)."""

from django.urls import path

from residents import rating_views

app_name = "staff_ratings"

urlpatterns = [
    path("staff/ratings/", rating_views.ratings_list, name="list"),
    path("staff/ratings/<int:rating_id>/", rating_views.rating_detail, name="detail"),
    path("staff/ratings/<int:rating_id>/<slug:step>/", rating_views.rating_step, name="step"),
]
