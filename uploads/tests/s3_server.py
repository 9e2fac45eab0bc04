"""A real S3-compatible server on 127.0.0.1 for the photo tests: moto's ``ThreadedMotoServer`` (the S3 REST
protocol over HTTP, signatures checked by the client library as against any S3 endpoint)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import environ

from config.settings.object_storage import s3_storage

BUCKET = "bangban-photos"
KEYS = {"MEDIA_S3_ACCESS_KEY_ID": "test-access-key", "MEDIA_S3_SECRET_ACCESS_KEY": "test-secret-key"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def s3_server() -> Iterator[dict[str, Any]]:
    """Start the server, create the bucket, yield ``{"endpoint", "storage"}`` (the STORAGES entry the
    production settings would build from the same environment)."""
    import boto3
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    env_values = {
        "MEDIA_S3_BUCKET": BUCKET,
        "MEDIA_S3_ENDPOINT_URL": endpoint,
        "MEDIA_S3_REGION": "cn-north-1",
        "MEDIA_S3_SIGNED_URL_SECONDS": "120",
        **KEYS,
    }
    env = environ.Env()
    env.ENVIRON = env_values  # read from this mapping, not the process environment
    storage = s3_storage(env)
    assert storage is not None
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="cn-north-1",
        aws_access_key_id=KEYS["MEDIA_S3_ACCESS_KEY_ID"],
        aws_secret_access_key=KEYS["MEDIA_S3_SECRET_ACCESS_KEY"],
    )
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "cn-north-1"})
    try:
        yield {"endpoint": endpoint, "storage": storage, "client": client}
    finally:
        server.stop()
