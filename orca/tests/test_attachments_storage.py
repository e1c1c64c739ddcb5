"""Where attached files are kept: the local disk by default, an S3-compatible bucket by settings.
Building the storage makes no network call (boto3 connects on first use)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage
from django.core.files.storage.handler import StorageHandler
from storages.backends.s3 import S3Storage

from orca.settings import MEDIA_ROOT, attachments_storage

S3_ENV = {
    "ATTACHMENTS_STORAGE": "s3",
    "AWS_STORAGE_BUCKET_NAME": "club-files",
    "AWS_S3_ENDPOINT_URL": "https://s3.example.test",
    "AWS_S3_REGION_NAME": "eu-west-1",
    "AWS_ACCESS_KEY_ID": "test-key",
    "AWS_SECRET_ACCESS_KEY": "test-secret",
}


def built(monkeypatch, env: dict[str, str]):
    for name in ("ATTACHMENTS_STORAGE", *S3_ENV):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return StorageHandler({"attachments": attachments_storage()})["attachments"]


def test_attachments_are_on_the_local_disk_by_default(monkeypatch):
    storage = built(monkeypatch, {})
    assert isinstance(storage, FileSystemStorage)
    assert storage.location == str(MEDIA_ROOT / "attachments")


def test_attachments_storage_s3_builds_a_private_signed_url_bucket_storage(monkeypatch):
    storage = built(monkeypatch, S3_ENV)
    assert isinstance(storage, S3Storage)
    assert (storage.bucket_name, storage.endpoint_url, storage.region_name) == (
        "club-files",
        "https://s3.example.test",
        "eu-west-1",
    )
    assert (storage.access_key, storage.secret_key) == ("test-key", "test-secret")
    assert storage.default_acl == "private" and storage.querystring_auth is True
    assert storage.location == "attachments"


def test_s3_without_a_bucket_or_an_unknown_kind_is_refused_at_start_up(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="AWS_STORAGE_BUCKET_NAME"):
        built(monkeypatch, {"ATTACHMENTS_STORAGE": "s3"})
    with pytest.raises(ImproperlyConfigured, match="local or s3"):
        built(monkeypatch, {"ATTACHMENTS_STORAGE": "ftp"})
