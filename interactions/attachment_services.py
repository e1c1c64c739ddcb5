"""Writes of an interaction's files: attach, remove, and log an interaction with its files at once.

The storage is not part of the database transaction, so the files follow the row: a file is
written before the row that names it commits, and deleted again when that write fails or rolls
back; a removed file is deleted only once the row without it has committed. Nothing is written
(row or file) when any file is refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction

from orca.users.models import User
from persons.models import Person
from persons.permissions import can_view_person, require

from .attachments import attachment_file_save, attachment_files_delete, attachments_check
from .models import Interaction
from .permissions import can_change_interaction
from .services import interaction_log


def _require_may_change(actor: User | None, interaction: Interaction) -> None:
    # Attaching or removing a file changes what was recorded: the rule of every other change.
    if actor is not None:
        require(can_view_person(actor, interaction.person), "You cannot see this person.")
        require(
            can_change_interaction(actor, interaction),
            "Only whoever logged it, the person's owner or a manager can change its files.",
        )


@contextmanager
def _files_removed_on_failure() -> Iterator[list[str]]:
    """The names of the files saved in the block, deleted again if the block raises (its
    transaction then rolls back, and no row names them)."""
    saved: list[str] = []
    try:
        yield saved
    except BaseException:
        attachment_files_delete(saved)
        raise


def _lock(interaction: Interaction) -> Interaction:
    return Interaction.objects.select_for_update(of=("self",)).select_related("person").get(pk=interaction.pk)


def _attach(
    *, interaction: Interaction, actor: User | None, files: list[File], saved: list[str]
) -> Interaction:
    locked = _lock(interaction)
    _require_may_change(actor, locked)
    try:
        attachments_check(files, already=len(locked.attachments))
    except ValidationError as error:
        raise ValidationError({"attachments": error.messages}) from error
    for file in files:
        saved.append(attachment_file_save(person_id=locked.person_id, interaction_id=locked.pk, file=file))
    locked.attachments = [*locked.attachments, *saved]
    locked.save(update_fields=["attachments", "updated_at"])
    interaction.attachments = locked.attachments
    return locked


def interaction_attachments_add(
    *, interaction: Interaction, actor: User | None, files: Iterable[File]
) -> Interaction:
    """Attach files to an interaction: every one checked first, any bad one refuses them all
    (a ValidationError on "attachments" naming each file and why)."""
    files = list(files)
    if not files:
        return interaction
    with _files_removed_on_failure() as saved, transaction.atomic():
        return _attach(interaction=interaction, actor=actor, files=files, saved=saved)


def interaction_log_with_attachments(
    *, person: Person, user: User | None, files: Iterable[File], **fields: Any
) -> Interaction:
    """interaction_log and its files in one transaction: a refused file logs nothing.

    The files are checked before the row is written, so a bad one costs no insert; the check is
    made again under the row's lock by the attaching.
    """
    files = list(files)
    if not files:
        return interaction_log(person=person, user=user, **fields)
    try:
        attachments_check(files)
    except ValidationError as error:
        raise ValidationError({"attachments": error.messages}) from error
    with _files_removed_on_failure() as saved, transaction.atomic():
        interaction = interaction_log(person=person, user=user, **fields)
        _attach(interaction=interaction, actor=user, files=files, saved=saved)
        return interaction


@transaction.atomic
def interaction_attachment_remove(*, interaction: Interaction, actor: User | None, name: str) -> Interaction:
    """Take one file off an interaction; the file itself goes once that has committed."""
    locked = _lock(interaction)
    _require_may_change(actor, locked)
    if name not in locked.attachments:
        raise ValidationError("That file is no longer attached; someone may have removed it meanwhile.")
    locked.attachments = [kept for kept in locked.attachments if kept != name]
    locked.save(update_fields=["attachments", "updated_at"])
    interaction.attachments = locked.attachments
    # Only once the row no longer names it: a rolled-back removal keeps its file.
    transaction.on_commit(lambda: attachment_files_delete([name]))
    return locked
