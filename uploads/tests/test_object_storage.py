"""Photos on an S3-compatible bucket (a real server on 127.0.0.1, ``s3_server``) as production configures
it (``config.settings.object_storage``): private objects, no public URL, short-lived signed URLs handed out
only by the scope-checked view, the retention purge deleting the objects. Local files stay the default."""

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import environ
import pytest
import requests
from django.core.files.storage import storages
from django.utils import timezone
from rest_framework.test import APIClient

from config.settings.object_storage import s3_storage
from uploads.models import MaterialPhoto
from uploads.services import material_photos_purge
from uploads.tests.factories import MaterialPhotoFactory, jpeg_bytes
from uploads.tests.s3_server import BUCKET
from workflows import case_closing
from workflows.models import Case
from workflows.tests.helpers import new_case

pytestmark = pytest.mark.django_db


def _session(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def _keys(s3) -> set[str]:
    listed = s3["client"].list_objects_v2(Bucket=BUCKET)
    return {o["Key"] for o in listed.get("Contents", [])}


def test_no_bucket_means_local_files():
    env = environ.Env()
    env.ENVIRON = {}
    assert s3_storage(env) is None  # production then keeps FileSystemStorage (MEDIA_ROOT)


def test_photo_lands_in_the_bucket_private(world, photo_backend, s3):
    if photo_backend != "s3":
        pytest.skip("the bucket's view of the same test: S3 run only")
    photo = MaterialPhotoFactory(case=new_case(world))
    assert photo.file.name in _keys(s3)
    acl = s3["client"].get_object_acl(Bucket=BUCKET, Key=photo.file.name)
    grantees = [g["Grantee"] for g in acl["Grants"]]
    assert all(g.get("Type") == "CanonicalUser" for g in grantees)  # no AllUsers / AuthenticatedUsers grant
    assert [g["Permission"] for g in acl["Grants"]] == ["FULL_CONTROL"]
    # no public URL: the storage's url() is always signed and expiring
    url = storages["photos"].url(photo.file.name)
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Expires"] == ["120"] and "X-Amz-Signature" in query
    unsigned = url.split("?", 1)[0]
    assert requests.get(unsigned, timeout=5).status_code == 403  # a private object: no anonymous read


def test_scope_checked_view_streams_or_signs(world, photo_backend, settings):
    photo = MaterialPhotoFactory(case=new_case(world))
    stored = photo.file.storage.open(photo.file.name).read()
    # streamed through the view (the default, every storage)
    response = _session(world.grid_worker).get(f"/m/photos/{photo.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == stored
    assert response["Cache-Control"] == "private, no-store"
    # signed redirects on: the S3 run answers with a short-lived signed URL, the local run still streams
    settings.MATERIAL_PHOTO_SIGNED_REDIRECT = True
    response = _session(world.grid_worker).get(f"/m/photos/{photo.pk}/")
    if photo_backend == "s3":
        assert response.status_code == 302
        location = response["Location"]
        assert parse_qs(urlsplit(location).query)["X-Amz-Expires"] == ["120"]
        fetched = requests.get(location, timeout=5)
        assert fetched.status_code == 200 and fetched.content == stored
        assert fetched.headers["Content-Type"] == "image/jpeg"
    else:
        assert response.status_code == 200 and b"".join(response.streaming_content) == stored
    # outside the scope: 404 on both, no URL issued
    assert _session(world.outsider).get(f"/m/photos/{photo.pk}/").status_code == 404


def test_upload_then_purge_removes_the_object(world, photo_backend, settings):
    settings.MATERIAL_PHOTO_RETENTION_DAYS = 30
    client = APIClient()
    client.force_login(world.grid_worker)
    case = new_case(world)
    from django.core.files.uploadedfile import SimpleUploadedFile

    res = client.post(
        f"/api/v1/cases/{case.case_no}/photos/",
        {"photo": SimpleUploadedFile("p.jpg", jpeg_bytes(), content_type="image/jpeg")},
        format="multipart",
    )
    assert res.status_code == 201, res.content
    photo = MaterialPhoto.objects.get()
    storage = photo.file.storage
    assert storage.exists(photo.file.name)
    closed = case_closing.case_withdraw(actor=world.staff, case=case, reason="居民撤回")
    Case.objects.filter(pk=closed.pk).update(closed_at=timezone.now() - dt.timedelta(days=31))
    assert material_photos_purge() == 1
    assert not storage.exists(photo.file.name) and not MaterialPhoto.objects.exists()
    assert material_photos_purge() == 0
