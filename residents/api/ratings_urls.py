"""Staff API under /api/v1/: 好差评 call-backs, rectification reports, appeals; doorstep requests."""

from django.urls import path

from residents.api import ratings

urlpatterns = [
    path("ratings/", ratings.RatingListView.as_view(), name="rating-list"),
    path("ratings/<int:rating_id>/callback/", ratings.CallbackView.as_view(), name="rating-callback"),
    path("ratings/<int:rating_id>/rectify/", ratings.RectifyView.as_view(), name="rating-rectify"),
    path("ratings/<int:rating_id>/appeal/", ratings.AppealView.as_view(), name="rating-appeal"),
    path(
        "ratings/<int:rating_id>/appeal/decide/",
        ratings.AppealDecideView.as_view(),
        name="rating-appeal-decide",
    ),
    path("doorstep-requests/", ratings.DoorstepListView.as_view(), name="doorstep-request-list"),
    path(
        "doorstep-requests/<int:request_id>/handled/",
        ratings.DoorstepHandledView.as_view(),
        name="doorstep-request-handled",
    ),
]
