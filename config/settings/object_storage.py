"""The S3-compatible object storage of uploaded files (photos, evidence, exports) in production.

``s3_storage(env)`` builds the ``STORAGES["default"]`` entry for django-storages' S3 backend from the
environment, or ``None`` when ``MEDIA_S3_BUCKET`` is unset (then files stay on local disk, the embedded
default). Objects are private (``default_acl = "private"``, no public URLs: every ``url()`` is a signed,
short-lived one, ``MEDIA_S3_SIGNED_URL_SECONDS``); names are never overwritten. The tests build their S3
storage with this same function against a local S3-compatible server.
"""

from __future__ import annotations

from typing import Any


def s3_storage(env: Any) -> dict[str, Any] | None:
    bucket = env.str("MEDIA_S3_BUCKET", default="")
    if not bucket:
        return None
    options: dict[str, Any] = {
        "bucket_name": bucket,
        "endpoint_url": env.str("MEDIA_S3_ENDPOINT_URL", default="") or None,
        "access_key": env.str("MEDIA_S3_ACCESS_KEY_ID", default="") or None,
        "secret_key": env.str("MEDIA_S3_SECRET_ACCESS_KEY", default="") or None,
        "region_name": env.str("MEDIA_S3_REGION", default="") or None,
        "addressing_style": env.str("MEDIA_S3_ADDRESSING_STYLE", default="path"),
        "signature_version": "s3v4",
        "default_acl": "private",
        "querystring_auth": True,
        "querystring_expire": env.int("MEDIA_S3_SIGNED_URL_SECONDS", default=300),
        "file_overwrite": False,
        "location": env.str("MEDIA_S3_PREFIX", default=""),
        "object_parameters": {"CacheControl": "private, no-store"},
    }
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}
