"""Files attached to interactions, kept in the "attachments" storage (settings.STORAGES)."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.files.storage import storages


def attachment_files_delete(names: Iterable[str]) -> None:
    storage = storages["attachments"]
    for name in names:
        storage.delete(name)
