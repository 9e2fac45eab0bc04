"""Material photos (issue 14): sanitised on the way in, scope-checked on the way out, purged on retention."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from PIL import Image
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.models import AuditLog
from uploads.models import MaterialPhoto
from uploads.tasks import material_photos_purge
from uploads.tests.factories import MaterialPhotoFactory, jpeg_bytes
from workflows import case_closing
from workflows.models import Case
from workflows.tests.helpers import new_case

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def upload(client: APIClient, case: Case, data: bytes, *, name: str = "photo.jpg", **fields):
    file = SimpleUploadedFile(name, data, content_type="image/jpeg")
    return client.post(f"/api/v1/cases/{case.case_no}/photos/", {"photo": file, **fields}, format="multipart")


def test_jpeg_with_gps_comes_back_without_it(world):
    case = new_case(world)
    raw = jpeg_bytes(gps=True)
    with Image.open(io.BytesIO(raw)) as before:
        assert before.getexif().get_ifd(0x8825), "fixture must carry GPS"
    client = client_for(world.grid_worker)
    res = upload(client, case, raw, material="居民身份证")
    assert res.status_code == 201, res.json()
    body = res.json()
    assert body["material"] == "居民身份证" and body["content_type"] == "image/jpeg"
    served = client.get(body["url"])
    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    assert served["Cache-Control"] == "private, no-store"
    with Image.open(io.BytesIO(b"".join(served.streaming_content))) as after:
        assert after.format == "JPEG"
        assert not after.getexif()
        assert "exif" not in after.info
    assert AuditLog.objects.filter(action="material_photo_add", target_id=case.case_no).count() == 1


def test_text_file_named_jpg_is_400(world):
    case = new_case(world)
    res = upload(client_for(world.grid_worker), case, b"just text, not a photo", name="id-card.jpg")
    assert res.status_code == 400
    assert res.json()["extra"]["code"] == "not_image"
    assert not MaterialPhoto.objects.exists()


@override_settings(UPLOAD_IMAGE_MAX_BYTES=2000)
def test_oversize_image_is_400(world):
    case = new_case(world)
    img = Image.effect_noise((600, 600), 80).convert("RGB")  # noise does not compress: well over 2000 bytes
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=95)
    big = out.getvalue()
    assert len(big) > 2000
    res = upload(client_for(world.grid_worker), case, big)
    assert res.status_code == 400
    assert res.json()["extra"]["code"] == "too_large"
    assert not MaterialPhoto.objects.exists()


def test_user_outside_the_cases_scope_gets_404(world):
    case = new_case(world)
    photo = upload(client_for(world.grid_worker), case, jpeg_bytes()).json()
    outsider = client_for(world.outsider)
    assert upload(outsider, case, jpeg_bytes()).status_code == 404
    assert outsider.get(f"/api/v1/cases/{case.case_no}/photos/").status_code == 404
    outsider_session = APIClient()
    outsider_session.force_login(world.outsider)
    assert outsider_session.get(photo["url"]).status_code == 404
    assert outsider_session.get(f"/m/materials/{case.case_no}/").status_code == 404
    anonymous = APIClient()
    assert anonymous.get(photo["url"]).status_code in (401, 403)  # never the bytes
    assert MaterialPhoto.objects.count() == 1


def test_material_must_be_on_the_matters_list_and_checklist_shows_what_is_missing(world):
    case = new_case(world)
    client = client_for(world.grid_worker)
    res = upload(client, case, jpeg_bytes(), material="结婚证")
    assert res.status_code == 400 and "material" in res.json()
    upload(client, case, jpeg_bytes(), material=world.matter.materials[0])
    listing = client.get(f"/api/v1/cases/{case.case_no}/photos/").json()
    assert [(r["material"], r["collected"]) for r in listing["materials"]] == [
        (world.matter.materials[0], True),
        (world.matter.materials[1], False),
    ]
    page = APIClient()
    page.force_login(world.grid_worker)
    html = page.get(f"/m/materials/{case.case_no}/").content.decode()
    assert f"还缺 1 项：{world.matter.materials[1]}" in html
    assert 'capture="environment"' in html and 'accept="image/*"' in html


def test_same_client_id_twice_is_one_photo(world):
    case = new_case(world)
    client = client_for(world.grid_worker)
    first = upload(client, case, jpeg_bytes(), client_id="p-1")
    again = upload(client, case, jpeg_bytes(), client_id="p-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert MaterialPhoto.objects.count() == 1


def test_page_upload_without_javascript(world):
    case = new_case(world)
    page = APIClient()
    page.force_login(world.grid_worker)
    file = SimpleUploadedFile("p.jpg", jpeg_bytes(), content_type="image/jpeg")
    res = page.post(f"/m/materials/{case.case_no}/", {"photo": file, "material": world.matter.materials[1]})
    assert res.status_code == 302
    assert MaterialPhoto.objects.get().material == world.matter.materials[1]
    bad = SimpleUploadedFile("p.jpg", b"not an image", content_type="image/jpeg")
    res = page.post(f"/m/materials/{case.case_no}/", {"photo": bad, "material": ""})
    assert res.status_code == 400 and "不是可识别的图片" in res.content.decode()


@override_settings(MATERIAL_PHOTO_RETENTION_DAYS=30)
def test_retention_command_and_task_delete_expired_photos_only(world):
    old_closed = case_closing.case_reject(actor=world.staff, case=new_case(world), reason="不属于帮办范围")
    recent_closed = case_closing.case_withdraw(actor=world.staff, case=new_case(world), reason="居民撤回")
    still_open = new_case(world)
    Case.objects.filter(pk=old_closed.pk).update(closed_at=timezone.now() - dt.timedelta(days=31))
    Case.objects.filter(pk=recent_closed.pk).update(closed_at=timezone.now() - dt.timedelta(days=29))
    expired = MaterialPhotoFactory(case=old_closed)
    kept = [MaterialPhotoFactory(case=recent_closed), MaterialPhotoFactory(case=still_open)]
    storage = expired.file.storage
    assert storage.exists(expired.file.name)
    out = io.StringIO()
    call_command("purge_material_photos", stdout=out)
    assert "deleted 1 material photo(s)" in out.getvalue()
    assert not storage.exists(expired.file.name)
    assert set(MaterialPhoto.objects.values_list("pk", flat=True)) == {p.pk for p in kept}
    assert all(storage.exists(p.file.name) for p in kept)
    assert material_photos_purge() == 0  # the beat task: nothing left, safe to run again
