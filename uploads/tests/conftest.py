import pytest

from uploads.tests.s3_server import s3_server
from workflows.tests.factories import World, make_world


@pytest.fixture
def world(db) -> World:
    return make_world()


@pytest.fixture(scope="session")
def s3():
    yield from s3_server()


@pytest.fixture(params=["local", "s3"], autouse=True)
def photo_backend(request, settings, tmp_path):
    """Every photo test runs twice: on local files (the embedded default, a temporary MEDIA_ROOT) and on an
    S3-compatible bucket (a real server, ``s3_server``), configured as production would be."""
    if request.param == "local":
        backend = {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        }
    else:
        backend = request.getfixturevalue("s3")["storage"]
    settings.STORAGES = {**settings.STORAGES, "photos": backend}
    settings.MATERIAL_PHOTO_STORAGE = "photos"
    return request.param
