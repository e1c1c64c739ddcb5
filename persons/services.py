"""Every write to persons that matters. Functions take keyword-only arguments and run in a transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Func, QuerySet, Value
from django.db.models.functions import Now
from django.utils import timezone

from orca.users.models import User

from .models import Person
from .permissions import (
    can_delete_person,
    can_edit_person,
    can_reassign_person,
    editable_by_q,
    require,
)


class ConcurrentEditError(ValidationError):
    """Someone else saved this person after the form was loaded."""


def _clean_tag(tag: str) -> str:
    tag = (tag or "").strip().lower()
    if not tag:
        raise ValidationError("A tag cannot be empty.")
    if len(tag) > 50:
        raise ValidationError("A tag is at most 50 characters.")
    return tag


@transaction.atomic
def person_create(*, actor: User | None, **fields: Any) -> Person:
    """Create a person; staff who add someone without choosing an owner look after them."""
    person = Person(**fields)
    if actor is not None and person.assigned_to_id is None and not actor.is_manager:
        person.assigned_to = actor
    # Every CHECK on persons is a choices check clean_fields already makes, or the computed
    # profile_completeness; validating constraints again would cost a query per constraint.
    person.full_clean(validate_constraints=False)
    person.save()
    return person


def person_lock(person: Person) -> Person:
    """The person's row as it is now, locked until the transaction ends.

    Services check permissions on it rather than on `person`, which may be stale (reassigned since
    the page was loaded). A person deleted meanwhile is refused like any concurrent change.
    """
    locked = Person.objects.select_for_update().filter(pk=person.pk).first()
    if locked is None:
        raise ConcurrentEditError(f"{person.full_name} was deleted by someone else; nothing was saved.")
    return locked


@transaction.atomic
def person_update(
    *,
    person: Person,
    actor: User,
    data: dict[str, Any],
    expected_updated_at: dt.datetime | None = None,
) -> Person:
    """Apply field changes. With expected_updated_at, refuse if someone saved in between."""
    # The rule is checked on the row as it is now, locked: `person` may be stale (reassigned since).
    locked = person_lock(person)
    require(can_edit_person(actor, locked), "You can only edit persons assigned to you or unassigned.")
    if "assigned_to" in data and data["assigned_to"] != locked.assigned_to:
        require(can_reassign_person(actor, locked), "Only managers can reassign other staff's persons.")
    if expected_updated_at is not None and locked.updated_at != expected_updated_at:
        raise ConcurrentEditError(
            f"{locked.full_name} was changed by someone else at {locked.updated_at:%H:%M:%S} "
            "after you opened this form. Reload to see their changes, then make yours again."
        )
    for name, value in data.items():
        setattr(locked, name, value)
    # Every CHECK on persons is a choices check clean_fields already makes, or the computed
    # profile_completeness; validating constraints again would cost a query per constraint.
    locked.full_clean(validate_constraints=False)
    locked.save()
    return locked


def _refuse_if_not_all_editable(queryset: QuerySet[Person], actor: User) -> None:
    """Bulk changes are all or nothing: one person the actor may not edit refuses the lot."""
    editable = editable_by_q(actor)
    if not editable:  # an empty filter: the actor may edit everyone, so there is nothing to look up
        return
    require(
        not queryset.exclude(editable).exists(),
        "Some of the selected persons are assigned to other staff; only a manager can change them.",
    )


@transaction.atomic
def person_bulk_assign(*, persons: QuerySet[Person], assignee: User | None, actor: User) -> int:
    _refuse_if_not_all_editable(persons, actor)
    return persons.update(assigned_to=assignee, updated_at=Now())


@transaction.atomic
def person_bulk_add_tag(*, persons: QuerySet[Person], tag: str, actor: User) -> int:
    tag = _clean_tag(tag)
    _refuse_if_not_all_editable(persons, actor)
    tags = ArrayField(models.CharField(max_length=50))
    return persons.exclude(tags__contains=[tag]).update(
        tags=Func(F("tags"), Value(tag), function="array_append", output_field=tags),
        updated_at=Now(),
    )


@transaction.atomic
def person_bulk_remove_tag(*, persons: QuerySet[Person], tag: str, actor: User) -> int:
    tag = _clean_tag(tag)
    _refuse_if_not_all_editable(persons, actor)
    tags = ArrayField(models.CharField(max_length=50))
    return persons.filter(tags__contains=[tag]).update(
        tags=Func(F("tags"), Value(tag), function="array_remove", output_field=tags),
        updated_at=Now(),
    )


@transaction.atomic
def person_bulk_set_do_not_contact(
    *, persons: QuerySet[Person], until: dt.datetime | None, actor: User
) -> int:
    """Nobody may contact these persons before `until`; None clears it."""
    if until is not None and until <= timezone.now():
        raise ValidationError("Choose a date in the future, or clear it.")
    _refuse_if_not_all_editable(persons, actor)
    return persons.update(do_not_contact_until=until, updated_at=Now())


@transaction.atomic
def person_delete(*, person: Person, actor: User) -> None:
    require(can_delete_person(actor, person), "Only managers can delete persons.")
    person.delete()
