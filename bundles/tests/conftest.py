import pytest

from bundles.tests.factories import BundleWorld, make_bundle_world


@pytest.fixture
def bw(db) -> BundleWorld:
    return make_bundle_world()
