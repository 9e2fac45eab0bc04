"""Issue 33: image uploads — pixels capped from the header before decoding, JPEG comments dropped.

Over HTTP (the material-photo API): a tiny 7000×7000 PNG is a 400 and is never decoded (memory measured in a
fresh interpreter running the same sanitiser), and a JPEG's COM segment does not survive re-encoding.
"""

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.security.conftest import SecWorld
from uploads.models import MaterialPhoto


@pytest.fixture(scope="module")
def bomb_png(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bomb") / "bomb.png"
    Image.new("1", (7000, 7000)).save(path, format="PNG", optimize=True)  # one bit per pixel: a few KB
    return path


def _upload(sw: SecWorld, data: bytes, name: str) -> object:
    file = SimpleUploadedFile(name, data, content_type="image/png")
    return sw.api("grid").post(
        f"/api/v1/cases/{sw.case.case_no}/photos/", {"photo": file}, format="multipart"
    )


@pytest.mark.django_db
def test_pixel_bomb_upload_is_400(sec_world: SecWorld, bomb_png: Path) -> None:
    data = bomb_png.read_bytes()
    assert len(data) < 100_000
    response = _upload(sec_world, data, "bomb.png")
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert response.json()["extra"]["code"] == "too_many_pixels"  # type: ignore[attr-defined]
    assert not MaterialPhoto.objects.exists()


PROBE = """
import io, json, os, resource, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
import django
django.setup()
from core.exceptions import ApplicationError
from core.images import image_sanitize
data = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    image_sanitize(upload=io.BytesIO(data))
    code = "accepted"
except ApplicationError as exc:
    code = exc.extra.get("code")
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"code": code, "grew_kb": after - before}))
"""


def test_pixel_bomb_is_refused_before_decoding(bomb_png: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(bomb_png)], capture_output=True, text=True, timeout=120, check=True
    )
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["code"] == "too_many_pixels"
    # decoding would need 7000×7000×3 bytes ≈ 147 MB for the RGB copy alone
    assert out["grew_kb"] < 20_000, out


@pytest.mark.django_db
def test_jpeg_comment_does_not_survive(sec_world: SecWorld) -> None:
    src = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(
        src, format="JPEG", comment=b"owner 13800138000 secret-comment", dpi=(300, 300)
    )
    raw = src.getvalue()
    assert b"secret-comment" in raw
    response = sec_world.api("grid").post(
        f"/api/v1/cases/{sec_world.case.case_no}/photos/",
        {"photo": SimpleUploadedFile("c.jpg", raw, content_type="image/jpeg")},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    served = sec_world.api("grid").get(response.json()["url"])
    stored = b"".join(served.streaming_content)
    assert b"secret-comment" not in stored and b"13800138000" not in stored
    with Image.open(io.BytesIO(stored)) as after:
        assert "comment" not in after.info and not after.getexif()
