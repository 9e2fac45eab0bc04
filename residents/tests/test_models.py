""" "Bad rating" (差评) has one definition: ``BAD_RATING_MAX``, read by the row predicate and the query filter."""

import pytest
from django.utils import timezone

from agency.tests.factories import StationFactory
from residents.models import BAD_RATING_MAX, Rating, bad_rating_q

pytestmark = pytest.mark.django_db


def test_the_predicate_and_the_filter_agree_on_every_value() -> None:
    site = StationFactory()
    ratings = [Rating.objects.create(site=site, value=v, created_at=timezone.now()) for v in range(1, 6)]
    assert BAD_RATING_MAX == 2
    assert {r.value for r in ratings if r.is_bad} == {1, 2}
    assert set(Rating.objects.filter(bad_rating_q()).values_list("value", flat=True)) == {1, 2}
    assert set(Rating.objects.exclude(bad_rating_q()).values_list("value", flat=True)) == {3, 4, 5}
    # the related form, as a case's ratings are filtered
    assert bad_rating_q("ratings__").children == [("ratings__value__lte", BAD_RATING_MAX)]
