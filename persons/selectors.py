"""Reads of persons that views share, access-checked where they return one person."""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from django.conf import settings
from django.contrib.postgres.search import TrigramSimilarity
from django.db.models import Case, FloatField, Q, QuerySet, TextField, Value, When
from django.db.models.functions import Cast, Concat, Greatest, Lower
from django.shortcuts import get_object_or_404

from orca.users.models import User

from .models import Person, normalize_phone
from .pagination import KeysetOrdering
from .permissions import can_view_person, require


def person_get_for_user(*, user: User, pk) -> Person:
    """One person the user may see (404 if there is none, 403 if they may not)."""
    person = get_object_or_404(Person.objects.select_related("assigned_to"), pk=pk)
    require(can_view_person(user, person))
    return person


# --- Likely duplicates, asked before a person is created ---------------------------------------

# How alike two first names must be (pg_trgm similarity, 0-1) once the last names already match
# by the index's `%` test; low enough for Jon/John and Kate/Katie, high enough to skip Jo/Jim.
FIRST_NAME_SIMILARITY = 0.2
# pg_trgm's default similarity_threshold: what `%` (and so the index) counts as similar.
TRIGRAM_THRESHOLD = 0.3


@dataclass(frozen=True)
class DuplicateCandidate:
    person: Person
    reasons: tuple[str, ...]  # "same email", "same phone", "similar name"


def _names_alike(row, *, first: str, last: str) -> bool:
    if first and last:
        return row.last_similarity >= TRIGRAM_THRESHOLD and row.first_similarity >= FIRST_NAME_SIMILARITY
    return bool(first) and not row.last_name and row.first_similarity >= TRIGRAM_THRESHOLD


def person_find_duplicates(
    *, first_name: str = "", last_name: str = "", email: str = "", phone: str = "", limit: int = 5
) -> list[DuplicateCandidate]:
    """Persons who are probably the one about to be created.

    Same email (case-insensitive), same phone once both are in E.164, or a similar name: last
    names alike by pg_trgm `%` (persons_last_name_trgm) and first names at least
    FIRST_NAME_SIMILARITY alike. Each condition is backed by an index, so the OR stays a bitmap
    scan however many persons there are.
    """
    first, last = first_name.strip().lower(), last_name.strip().lower()
    email = email.strip().lower()
    phone = normalize_phone(phone)
    condition = Q()
    if email:
        condition |= Q(email_lower=email)
    if phone.startswith("+"):
        condition |= Q(phone=phone)
    if first and last:
        condition |= Q(last_lower__trigram_similar=last, first_similarity__gte=FIRST_NAME_SIMILARITY)
    elif first:
        condition |= Q(first_lower__trigram_similar=first, last_name="")
    if not condition:
        return []
    rows = (
        Person.objects.annotate(
            email_lower=Lower("email"),
            first_lower=Lower("first_name"),
            last_lower=Lower("last_name"),
            first_similarity=TrigramSimilarity(Lower("first_name"), first),
            last_similarity=TrigramSimilarity(Lower("last_name"), last),
        )
        .filter(condition)
        .select_related("assigned_to")
        .order_by("-last_similarity", "-first_similarity", "last_name", "first_name", "id")[:limit]
    )
    candidates = []
    for row in rows:
        reasons = []
        if email and row.email_lower == email:
            reasons.append("same email")
        if phone.startswith("+") and row.phone == phone:
            reasons.append("same phone")
        if _names_alike(row, first=first, last=last):
            reasons.append("similar name")
        candidates.append(DuplicateCandidate(person=row, reasons=tuple(reasons)))
    return candidates


# --- The people list: search and sort orders ------------------------------------------------------

# The annotation person_search adds: how well a person matches the query (0-1), for "relevance".
SEARCH_RANK = "search_rank"
SEARCH_MAX_TERMS = 6
# Phone searches need this many digits: pg_trgm cannot narrow a LIKE with fewer than three characters.
PHONE_MIN_DIGITS = 3
_PHONE_QUERY = re.compile(r"^\+?[\d\s().\-/]+$")

PERSON_ORDERINGS: dict[str, KeysetOrdering] = {
    # Each key is backed by a (key, id) btree index on persons; the reversed orders read it backwards.
    "name": KeysetOrdering("name", ("last_name", "first_name")),
    "-name": KeysetOrdering("-name", ("last_name", "first_name"), descending=True),
    "created": KeysetOrdering("created", ("created_at",)),
    "-created": KeysetOrdering("-created", ("created_at",), descending=True),
    "last_contacted": KeysetOrdering("last_contacted", ("last_contacted",), nullable=True),
    "-last_contacted": KeysetOrdering("-last_contacted", ("last_contacted",), descending=True, nullable=True),
    "next_contact": KeysetOrdering("next_contact", ("next_scheduled_contact",), nullable=True),
    "-next_contact": KeysetOrdering(
        "-next_contact", ("next_scheduled_contact",), descending=True, nullable=True
    ),
    # Only with a search: the matches are few, so ranking them needs no index of its own.
    "relevance": KeysetOrdering("relevance", (SEARCH_RANK,), descending=True),
}


def _phone_digits_query(query: str) -> tuple[str, ...] | None:
    """The digit strings a phone-like query may appear as inside an E.164 number, or None.

    "(555) 010-4477", "555.010.4477" and "+1 555 010 4477" all contain 5550104477, which is inside
    +15550104477; a partial number ("0104477") is found the same way. A number typed in national
    form with a trunk prefix ("07700 900123" in the UK) is also tried as its national number.
    """
    if not _PHONE_QUERY.match(query):
        return None
    digits = re.sub(r"\D", "", query)
    if len(digits) < PHONE_MIN_DIGITS:
        return None
    variants = {digits}
    try:
        number = phonenumbers.parse(query, settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        number = None
    if number is not None and len(str(number.national_number)) >= PHONE_MIN_DIGITS:
        variants.add(str(number.national_number))
    return tuple(sorted(variants))


def _name_or_email_condition(terms: list[str]) -> Q:
    """A person matches when any term is trigram-similar to their first or last name, or (from three
    characters) appears inside their email. Each branch is an operator a GIN trigram index on
    lower(first_name), lower(last_name) or lower(email) answers, so PostgreSQL ORs bitmap index
    scans. Substrings of names are left to `%`: it already finds a name from its first letters
    ("Denn" → Dennis), and every extra branch is rechecked on every candidate row."""
    condition = Q()
    for term in terms:
        condition |= Q(first_lower__trigram_similar=term) | Q(last_lower__trigram_similar=term)
        if "@" in term:
            condition |= Q(email_lower__trigram_similar=term)
        if len(term) >= 3:
            condition |= Q(email_lower__contains=term)
    return condition


def person_search(*, queryset: QuerySet[Person], query: str) -> QuerySet[Person]:
    """Persons matching a search box query by name, email or phone, annotated with SEARCH_RANK.

    Names are matched per word with pg_trgm's `%` (similarity above pg_trgm.similarity_threshold,
    0.3 by default), so a typo still finds the person: "Jonh Smiht" finds John Smith through
    "smiht" ~ "smith", and ranks him first because "jonh smiht" is closer to "john smith" than to
    any other Smith. A phone-like query matches the digits inside the stored E.164 number.
    """
    query = " ".join(query.split())[:200]
    if not query:
        return queryset
    lowered = query.lower()
    phone_variants = _phone_digits_query(query)
    if phone_variants is not None:
        exact = normalize_phone(query)
        condition = Q()
        for digits in phone_variants:
            condition |= Q(phone__contains=digits)
        # An exact number outranks a number that merely contains the digits.
        rank = Case(When(phone=exact, then=Value(1.0)), default=Value(0.5), output_field=FloatField())
        return queryset.filter(condition).annotate(**{SEARCH_RANK: rank})
    terms = lowered.split()[:SEARCH_MAX_TERMS]
    full_name = Concat(Lower("first_name"), Value(" "), Lower("last_name"), output_field=TextField())
    # similarity() is a real; as double precision the rank survives the trip through a page cursor
    # exactly, so equally ranked rows are paged by id without skipping any.
    rank = Greatest(
        Cast(TrigramSimilarity(full_name, lowered), FloatField()),
        Cast(TrigramSimilarity(Lower("email"), lowered), FloatField()),
        output_field=FloatField(),
    )
    return (
        queryset.alias(
            first_lower=Lower("first_name"), last_lower=Lower("last_name"), email_lower=Lower("email")
        )
        .filter(_name_or_email_condition(terms))
        .annotate(**{SEARCH_RANK: rank})
    )
