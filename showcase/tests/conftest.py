import pytest

from workflows.tests.factories import World, make_world


@pytest.fixture
def world(db) -> World:
    return make_world()
