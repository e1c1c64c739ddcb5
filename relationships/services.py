"""Writes of relationships: recording who referred whom, and the other ties between persons.

A referral is a row with relationship_type "referral", person_a the referrer and person_b the person
they referred. One person may be credited to several referrers: their attribution percentages add
up to at most 100 and at most one of them is the primary referrer. Referrals never form a loop, so
the tree of referrals can be walked from any person.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Now
from django.utils import timezone

from extensions.models import MemberExtension
from orca.db import CLOCK_SKEW
from orca.users.models import User
from persons.models import Person
from persons.permissions import can_edit_person, require

from .models import Direction, Relationship, RelationshipStatus, RelationshipType

# Ties that read the same both ways: (a, b, friend) and (b, a, friend) are one tie.
SYMMETRIC_TYPES = {
    RelationshipType.FAMILY,
    RelationshipType.PARTNER,
    RelationshipType.FRIEND,
    RelationshipType.COLLEAGUE,
    RelationshipType.TRAINING_PARTNER,
}

_ANCESTORS_SQL = """
WITH RECURSIVE up(person_id, depth) AS (
    SELECT person_a_id, 1 FROM relationships
    WHERE person_b_id = %(start)s AND relationship_type = 'referral'
  UNION
    SELECT r.person_a_id, up.depth + 1 FROM relationships r
    JOIN up ON r.person_b_id = up.person_id
    WHERE r.relationship_type = 'referral' AND up.depth < 1000
)
SELECT EXISTS (SELECT 1 FROM up WHERE person_id = %(target)s)
"""


def _require_may_edit_either(actor: User | None, first: Person, second: Person) -> None:
    if actor is None:
        return
    require(
        can_edit_person(actor, first) or can_edit_person(actor, second),
        "You can only record ties for persons assigned to you or unassigned.",
    )


def _is_referral_ancestor(*, ancestor: Person, of: Person) -> bool:
    """Whether `ancestor` referred `of`, directly or through a chain of referrals."""
    with connection.cursor() as cursor:
        cursor.execute(_ANCESTORS_SQL, {"start": of.pk, "target": ancestor.pk})
        return cursor.fetchone()[0]


def _own_levels(person_ids: Iterable) -> dict:
    """Each person's level in the referral tree: that of their primary referral (else the shallowest).

    Persons nobody referred are absent (their level is 0, so those they refer are at level 1).
    """
    rows = (
        Relationship.objects.filter(
            person_b__in=list(person_ids), relationship_type=RelationshipType.REFERRAL
        )
        .order_by("person_b", "-is_primary_referrer", "relationship_level")
        .distinct("person_b")
        .values_list("person_b", "relationship_level")
    )
    return dict(rows)


def _relevel_below(person: Person) -> None:
    """Keep relationship_level right for everyone the person referred, at any depth.

    Only needed when the person's own level changes: someone is credited with referring a person
    who has already referred others.
    """
    seen: set = set()
    frontier = {person.pk}
    while frontier:
        ties = list(
            Relationship.objects.filter(person_a__in=frontier, relationship_type=RelationshipType.REFERRAL)
        )
        if not ties:
            break
        levels = _own_levels(frontier)
        changed = []
        for tie in ties:
            level = levels.get(tie.person_a_id, 0) + 1
            if tie.relationship_level != level:
                tie.relationship_level = level
                changed.append(tie)
        Relationship.objects.bulk_update(changed, ["relationship_level"])
        seen |= frontier
        frontier = {tie.person_b_id for tie in changed} - seen


def referral_counts_refresh(*, person_ids: Iterable) -> int:
    """Recount referral_count and successful_referrals on these persons' member extensions.

    referral_count is how many persons they referred; successful_referrals how many of those ever
    became members (have a member extension: a later cancellation does not undo the success).
    A recount rather than +1, so calling it again is harmless; set-based, so the demo data calls
    it once for everyone. The conversion pipeline calls it for the referrers when a referred
    person joins. A person without a member extension has no count to keep.
    """
    referred = Relationship.objects.filter(
        person_a=OuterRef("person_id"), relationship_type=RelationshipType.REFERRAL
    ).order_by()

    def count(queryset) -> Coalesce:
        return Coalesce(Subquery(queryset.values("person_a").annotate(n=Count("*")).values("n")), Value(0))

    return MemberExtension.objects.filter(person_id__in=list(person_ids)).update(
        referral_count=count(referred),
        successful_referrals=count(referred.filter(person_b__member__isnull=False)),
        updated_at=Now(),
    )


def _check_credit(
    *,
    referred: Person,
    attribution_percentage: int | None,
    is_primary_referrer: bool,
    referrer: Person | None = None,
    excluding=None,
) -> None:
    """The credit rules of a referral: attribution within 1-100 and, with the referred person's
    other referrers, at most 100 in total and one primary referrer. A new referral names its
    ``referrer`` (who must not be credited twice); a changed one is ``excluding`` itself."""
    if attribution_percentage is None or not 1 <= attribution_percentage <= 100:
        raise ValidationError("Attribution must be between 1 and 100 percent.")
    others = Relationship.objects.filter(person_b=referred, relationship_type=RelationshipType.REFERRAL)
    if excluding is not None:
        others = others.exclude(pk=excluding)
    # One query for the rules; names are only looked up to explain a refusal.
    rules = {
        "credited": Coalesce(Sum("attribution_percentage"), 0),
        "primaries": Count("id", filter=Q(is_primary_referrer=True)),
    }
    if referrer is not None:
        rules["same"] = Count("id", filter=Q(person_a=referrer))
    found = others.aggregate(**rules)
    if found.get("same"):
        raise ValidationError(f"{referrer.full_name} is already recorded as referring {referred.full_name}.")
    if is_primary_referrer and found["primaries"]:
        primary = others.filter(is_primary_referrer=True).select_related("person_a").first()
        raise ValidationError(
            f"{referred.full_name} already has a primary referrer ({primary.person_a.full_name}); "
            "record this referrer as a secondary one."
        )
    credited = found["credited"]
    if credited + attribution_percentage > 100:
        raise ValidationError(
            f"{referred.full_name}'s referrers would be credited {credited + attribution_percentage}% "
            f"in total ({credited}% already); lower the attribution to at most {100 - credited}%."
        )


def _check_referral_date(referral_date: dt.datetime) -> None:
    if referral_date > timezone.now() + CLOCK_SKEW:
        raise ValidationError("A referral cannot be dated in the future.")


def _check_referral(
    *,
    referrer: Person,
    referred: Person,
    attribution_percentage: int,
    is_primary_referrer: bool,
    referral_date: dt.datetime,
    has_referred: bool,
) -> None:
    if referrer.pk == referred.pk:
        raise ValidationError("A person cannot refer themselves.")
    _check_referral_date(referral_date)
    _check_credit(
        referred=referred,
        referrer=referrer,
        attribution_percentage=attribution_percentage,
        is_primary_referrer=is_primary_referrer,
    )
    # Only someone who has referred others can close a loop; most referred persons have not.
    if has_referred and _is_referral_ancestor(ancestor=referred, of=referrer):
        raise ValidationError(
            f"{referred.full_name} is already in {referrer.full_name}'s chain of referrers; "
            "a referral cannot go round in a loop."
        )


@transaction.atomic
def referral_record(
    *,
    referrer: Person,
    referred: Person,
    actor: User | None,
    attribution_percentage: int = 100,
    is_primary_referrer: bool = True,
    referral_channel: str = "",
    referral_date: dt.datetime | None = None,
    referral_campaign: str = "",
    referral_link_id: str = "",
    relationship_strength: str = "",
    status: str = RelationshipStatus.ACTIVE,
    notes: str = "",
) -> Relationship:
    """Record that `referrer` referred `referred`, crediting them `attribution_percentage` percent.

    relationship_level is the referrer's own level plus one (1 when nobody referred the referrer).
    The referrer's member_extensions.referral_count follows, if they have a member extension.
    """
    _require_may_edit_either(actor, referred, referrer)
    # Lock the referred person: two referrers recorded at once must not both pass the 100% check.
    Person.objects.select_for_update().filter(pk=referred.pk).first()
    referral_date = referral_date or timezone.now()
    has_referred = Relationship.objects.filter(
        person_a=referred, relationship_type=RelationshipType.REFERRAL
    ).exists()
    _check_referral(
        referrer=referrer,
        referred=referred,
        attribution_percentage=attribution_percentage,
        is_primary_referrer=is_primary_referrer,
        referral_date=referral_date,
        has_referred=has_referred,
    )
    referrer_level = _own_levels([referrer.pk]).get(referrer.pk, 0)
    tie = Relationship(
        person_a=referrer,
        person_b=referred,
        relationship_type=RelationshipType.REFERRAL,
        direction=Direction.A_TO_B,
        referral_date=referral_date,
        referral_channel=referral_channel,
        referral_campaign=referral_campaign,
        referral_link_id=referral_link_id,
        is_primary_referrer=is_primary_referrer,
        attribution_percentage=attribution_percentage,
        status=status,
        relationship_level=referrer_level + 1,
        relationship_strength=relationship_strength,
        notes=notes,
    )
    # Field checks (choices, lengths) with readable messages; the rules above and the database's
    # constraints and foreign keys cover the rest.
    tie.full_clean(exclude=["person_a", "person_b"], validate_unique=False, validate_constraints=False)
    tie.save()
    if has_referred:
        _relevel_below(referred)
    referral_counts_refresh(person_ids=[referrer.pk])
    return tie


def _check_tie(*, person_a: Person, person_b: Person, relationship_type: str) -> None:
    if relationship_type == RelationshipType.REFERRAL:
        raise ValidationError("Record a referral with referral_record, which checks attribution.")
    if relationship_type not in RelationshipType.values:
        raise ValidationError(f"“{relationship_type}” is not a kind of relationship.")
    if person_a.pk == person_b.pk:
        raise ValidationError("A person cannot have a relationship with themselves.")
    same = Q(person_a=person_a, person_b=person_b)
    if relationship_type in SYMMETRIC_TYPES:
        same |= Q(person_a=person_b, person_b=person_a)
    if Relationship.objects.filter(same, relationship_type=relationship_type).exists():
        label = RelationshipType(relationship_type).label.lower()
        raise ValidationError(
            f"{person_a.full_name} and {person_b.full_name} are already recorded as {label}."
        )


@transaction.atomic
def relationship_create(
    *,
    person_a: Person,
    person_b: Person,
    relationship_type: str,
    actor: User | None,
    direction: str | None = None,
    relationship_strength: str = "",
    status: str = RelationshipStatus.ACTIVE,
    notes: str = "",
) -> Relationship:
    """Record a tie other than a referral (family, partner, guardian, corporate sponsor...)."""
    _require_may_edit_either(actor, person_a, person_b)
    _check_tie(person_a=person_a, person_b=person_b, relationship_type=relationship_type)
    if direction is None:
        direction = Direction.MUTUAL if relationship_type in SYMMETRIC_TYPES else Direction.A_TO_B
    tie = Relationship(
        person_a=person_a,
        person_b=person_b,
        relationship_type=relationship_type,
        direction=direction,
        relationship_strength=relationship_strength,
        status=status,
        notes=notes,
    )
    tie.full_clean(exclude=["person_a", "person_b"], validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            tie.save()
    except IntegrityError as error:
        # Someone recorded the same tie between our check and our insert.
        raise ValidationError(
            f"{person_a.full_name} and {person_b.full_name} are already recorded with this tie."
        ) from error
    return tie


# What an edit may change on any tie, and what only a referral has. Who, which kind, and the
# level (derived from the tree) are the tie itself: to change them, delete it and record it again.
TIE_FIELDS = frozenset({"status", "relationship_strength", "notes"})
REFERRAL_FIELDS = frozenset(
    {
        "attribution_percentage",
        "is_primary_referrer",
        "referral_date",
        "referral_channel",
        "referral_campaign",
        "referral_link_id",
    }
)
FIXED_FIELDS = frozenset({"person_a", "person_b", "relationship_type", "relationship_level"})


def _editable_fields(tie: Relationship) -> frozenset[str]:
    if tie.relationship_type == RelationshipType.REFERRAL:
        # Always "person A referred person B".
        return TIE_FIELDS | REFERRAL_FIELDS
    return TIE_FIELDS | {"direction"}


def _refuse_uneditable(tie: Relationship, names: set[str]) -> None:
    fixed = sorted(names & FIXED_FIELDS)
    if fixed:
        raise ValidationError(
            f"A tie's {', '.join(fixed)} cannot change: delete the tie and record it again."
        )
    refused = sorted(names - _editable_fields(tie))
    if refused:
        kind = tie.get_relationship_type_display().lower()
        raise ValidationError(f"A {kind} tie has no {', '.join(refused)} to change.")


@transaction.atomic
def relationship_update(
    *, relationship: Relationship, actor: User | None, data: dict[str, Any]
) -> Relationship:
    """Change a tie's details; for a referral also its credit, re-checked like a new one.

    The referred person's referrals together stay at most 100% and keep at most one primary
    referrer. Who the primary referrer is decides the referred person's own level in the tree,
    so a change of it re-levels everyone below them.
    """
    tie = (
        Relationship.objects.select_for_update()
        .select_related("person_a", "person_b")
        .get(pk=relationship.pk)
    )
    _require_may_edit_either(actor, tie.person_a, tie.person_b)
    changed = {name for name, value in data.items() if getattr(tie, name, object()) != value}
    if not changed:
        return tie
    _refuse_uneditable(tie, changed)
    for name in changed:
        setattr(tie, name, data[name])
    if tie.relationship_type == RelationshipType.REFERRAL:
        # The same lock as referral_record: two credit changes at once must not both pass.
        Person.objects.select_for_update().filter(pk=tie.person_b_id).first()
        if {"attribution_percentage", "is_primary_referrer"} & changed:
            _check_credit(
                referred=tie.person_b,
                attribution_percentage=tie.attribution_percentage,
                is_primary_referrer=tie.is_primary_referrer,
                excluding=tie.pk,
            )
        if "referral_date" in changed:
            if tie.referral_date is None:
                raise ValidationError({"referral_date": "A referral needs the date it was made."})
            _check_referral_date(tie.referral_date)
    tie.full_clean(exclude=["person_a", "person_b"], validate_unique=False, validate_constraints=False)
    tie.save()
    if "is_primary_referrer" in changed:
        _relevel_below(tie.person_b)
    return tie


_CREDIT_SQL = """
WITH credited AS (
    INSERT INTO referral_credits (id, referrer_id, referred_id, attribution_percentage, amount, created_at)
    SELECT gen_random_uuid(), r.person_a_id, r.person_b_id, r.attribution_percentage,
           round(%(reward)s * r.attribution_percentage / 100.0, 2), now()
    FROM relationships r
    WHERE r.person_b_id = %(referred)s AND r.relationship_type = 'referral'
      AND r.attribution_percentage IS NOT NULL
    ON CONFLICT (referred_id, referrer_id) DO NOTHING
    RETURNING referrer_id, amount
), rewarded AS (
    UPDATE member_extensions m
    SET referral_rewards_earned = m.referral_rewards_earned + credited.amount, updated_at = now()
    FROM credited
    WHERE m.person_id = credited.referrer_id
)
SELECT referrer_id FROM credited
"""


@transaction.atomic
def referral_conversion_credit(*, referred: Person, reward: Decimal) -> list:
    """Credit everyone who referred `referred`, now that they joined: once, by attribution share.

    Each referrer's share of `reward` is recorded in referral_credits and added to the
    referral_rewards_earned of their member extension; their referral_count and
    successful_referrals are recounted. A referrer credited before for this person (a second
    conversion, a retry) gains nothing. A referrer who is not a member has their credit recorded,
    but no member extension to add it to. Returns the referrers credited this time.
    """
    referrers = list(
        Relationship.objects.filter(person_b=referred, relationship_type=RelationshipType.REFERRAL)
        .select_for_update()
        .values_list("person_a_id", flat=True)
    )
    with connection.cursor() as cursor:
        cursor.execute(_CREDIT_SQL, {"referred": referred.pk, "reward": reward})
        credited = [row[0] for row in cursor.fetchall()]
    referral_counts_refresh(person_ids=referrers)
    return credited
