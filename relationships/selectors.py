"""Reads of relationships that views share."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When

from persons.models import Person

from .models import Relationship, RelationshipType


@dataclass
class PersonTies:
    """A person's relationships, split the way the person page shows them."""

    referred_by: list[Relationship] = field(default_factory=list)  # person_b is this person
    referred: list[Relationship] = field(default_factory=list)  # person_a is this person
    others: list[Relationship] = field(default_factory=list)  # non-referral ties, either side
    truncated: bool = False  # more ties exist than were loaded

    def __bool__(self) -> bool:
        return bool(self.referred_by or self.referred or self.others)


def relationships_of_person(*, person: Person) -> QuerySet[Relationship]:
    """Every tie the person is on either side of (rel_a_type_b_idx and rel_b_type_a_idx)."""
    return Relationship.objects.filter(Q(person_a=person) | Q(person_b=person))


def person_ties(*, person: Person, limit: int = 200) -> PersonTies:
    """The person's ties in one query, both ends loaded; at most `limit` of them.

    Referrers come first (primary one on top) so a truncated list never hides who referred them.
    """
    rows = list(
        relationships_of_person(person=person)
        .select_related("person_a", "person_b")
        .annotate(
            referrer_first=Case(
                When(person_b=person, relationship_type=RelationshipType.REFERRAL, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by(
            "referrer_first",
            "-is_primary_referrer",
            F("attribution_percentage").desc(nulls_last=True),
            "-created_at",
            "id",
        )[: limit + 1]
    )
    ties = PersonTies(truncated=len(rows) > limit)
    for tie in rows[:limit]:
        if tie.relationship_type != RelationshipType.REFERRAL:
            ties.others.append(tie)
        elif tie.person_b_id == person.pk:
            ties.referred_by.append(tie)
        else:
            ties.referred.append(tie)
    return ties
