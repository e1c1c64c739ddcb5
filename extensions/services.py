"""The rules of the unified model: taking on and dropping roles, and moving through a role's stages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from orca.users.models import User
from persons.models import ROLE_FLAGS, Person
from persons.permissions import can_edit_person, require
from persons.services import ConcurrentEditError, person_lock

from . import choices
from .models import LeadExtension, MemberExtension, ReferralExtension


@dataclass(frozen=True)
class RoleSpec:
    extension: type[models.Model]
    status_field: str
    durations_field: str
    statuses: type[models.TextChoices]
    label: str


ROLES: dict[str, RoleSpec] = {
    "lead": RoleSpec(LeadExtension, "lead_status", "stage_duration_days", choices.LeadStatus, "lead"),
    "referral": RoleSpec(
        ReferralExtension, "referral_status", "time_in_stage_days", choices.ReferralStatus, "referral"
    ),
    "member": RoleSpec(
        MemberExtension, "membership_status", "stage_duration_days", choices.MembershipStatus, "member"
    ),
}


def _history_entry(*, status: str, at: dt.datetime, actor: User | None, note: str) -> dict:
    return {"status": status, "at": at.isoformat(), "by": str(actor.pk) if actor else None, "note": note}


def _lock_person(person: Person) -> Person:
    # Every service here locks the person before its extension, so two of them never wait on
    # each other in opposite orders.
    return person_lock(person)


def _check_roles(roles: set[str]) -> None:
    unknown = roles - set(ROLES)
    if unknown:
        raise ValidationError(
            f"Unknown role {', '.join(sorted(unknown))}; a person can be a lead, a referral or a member."
        )


@transaction.atomic
def person_set_roles(
    *, person: Person, roles: set[str], actor: User | None, at: dt.datetime | None = None
) -> Person:
    """Give the person exactly these roles.

    A role taken for the first time creates its extension with its pipeline's first status;
    a dropped role clears the flag and keeps the extension, so taking it again brings it back.
    """
    roles = set(roles)
    _check_roles(roles)
    locked = _lock_person(person)
    if actor is not None:
        require(can_edit_person(actor, locked), "You can only change roles of persons you may edit.")
    at = at or timezone.now()
    for role, flag in ROLE_FLAGS.items():
        setattr(locked, flag, role in roles)
    locked.save(update_fields=list(ROLE_FLAGS.values()))
    for role in roles:
        spec = ROLES[role]
        if not spec.extension.objects.filter(person=locked).exists():
            first = spec.statuses.values[0]
            spec.extension.objects.create(
                person=locked,
                stage_entered_at=at,
                **{
                    spec.status_field: first,
                    "status_history": [
                        _history_entry(status=first, at=at, actor=actor, note=f"Became a {spec.label}")
                    ],
                },
            )
    for flag in ROLE_FLAGS.values():
        setattr(person, flag, getattr(locked, flag))
    person.updated_at = locked.updated_at
    return locked


def person_add_role(*, person: Person, role: str, actor: User | None) -> Person:
    return person_set_roles(person=person, roles=person.roles | {role}, actor=actor)


def person_drop_role(*, person: Person, role: str, actor: User | None) -> Person:
    return person_set_roles(person=person, roles=person.roles - {role}, actor=actor)


def _entered_current_stage(extension: models.Model) -> dt.datetime:
    return extension.stage_entered_at or extension.created_at


@transaction.atomic
def extension_change_status(
    *,
    person: Person,
    role: str,
    status: str,
    actor: User | None,
    note: str = "",
    at: dt.datetime | None = None,
) -> models.Model:
    """Move a lead, referral or member to a new status.

    Appends {status, at, by, note} to status_history and adds the days spent in the stage being
    left to the durations map (stage_duration_days / time_in_stage_days). Setting the status it
    already has changes nothing.
    """
    _check_roles({role})
    spec = ROLES[role]
    if status not in spec.statuses.values:
        allowed = ", ".join(spec.statuses.values)
        raise ValidationError(f"“{status}” is not a {spec.label} status. Use one of: {allowed}.")
    locked = _lock_person(person)
    if actor is not None:
        require(can_edit_person(actor, locked), "You can only change persons you may edit.")
    if not getattr(locked, ROLE_FLAGS[role]):
        raise ValidationError(f"{locked.full_name} is not a {spec.label}; add the role first.")
    extension = spec.extension.objects.select_for_update().get(person=locked)
    current = getattr(extension, spec.status_field)
    if current == status:
        return extension
    at = at or timezone.now()
    entered = _entered_current_stage(extension)
    if at < entered:
        raise ValidationError("A status change cannot be dated before the previous one.")
    durations = dict(getattr(extension, spec.durations_field) or {})
    spent = (at - entered).total_seconds() / 86400
    durations[current] = round(durations.get(current, 0) + spent, 2)
    setattr(extension, spec.status_field, status)
    setattr(extension, spec.durations_field, durations)
    extension.stage_entered_at = at
    extension.status_history = [
        *extension.status_history,
        _history_entry(status=status, at=at, actor=actor, note=note),
    ]
    extension.save()
    return extension


# Fields an update may not set directly: the status moves through extension_change_status so
# status_history and the stage durations stay true, and the bookkeeping columns are the model's.
_NOT_UPDATABLE = {
    "id",
    "person",
    "person_id",
    "created_at",
    "updated_at",
    "status_history",
    "stage_entered_at",
}


@transaction.atomic
def extension_update(
    *,
    person: Person,
    role: str,
    data: dict,
    actor: User,
    expected_updated_at: dt.datetime | None = None,
    note: str = "",
) -> models.Model:
    """Change a role's data; a new status goes through extension_change_status (history grows).

    With expected_updated_at (the extension's updated_at when the form was loaded), refuse with
    ConcurrentEditError if someone saved the extension in between, writing nothing.
    """
    _check_roles({role})
    spec = ROLES[role]
    refused = set(data) & (_NOT_UPDATABLE | {spec.durations_field})
    if refused:
        raise ValueError(f"extension_update cannot set {', '.join(sorted(refused))}.")
    locked = _lock_person(person)
    require(can_edit_person(actor, locked), "You can only change persons you may edit.")
    if not getattr(locked, ROLE_FLAGS[role]):
        raise ValidationError(f"{locked.full_name} is not a {spec.label}; add the role first.")
    extension = spec.extension.objects.select_for_update().get(person=locked)
    if expected_updated_at is not None and extension.updated_at != expected_updated_at:
        raise ConcurrentEditError(
            f"{person.full_name}'s {spec.label} details were changed by someone else at "
            f"{extension.updated_at:%H:%M:%S} after you opened this form. "
            "Reload to see their changes, then make yours again."
        )
    fields = dict(data)
    status = fields.pop(spec.status_field, None)
    for name, value in fields.items():
        setattr(extension, name, value)
    extension.full_clean(exclude=["person"])
    extension.save()
    if status is not None and status != getattr(extension, spec.status_field):
        extension = extension_change_status(person=locked, role=role, status=status, actor=actor, note=note)
    return extension
