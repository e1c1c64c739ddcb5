"""Reads of persons that views share, access-checked where they return one person."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import phonenumbers
from django.conf import settings
from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Case, FloatField, Func, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Cast, Lower
from django.db.models.lookups import LessThanOrEqual, StartsWith
from django.shortcuts import get_object_or_404

from orca.users.models import User

from .models import FullNameLower, Person, normalize_phone
from .permissions import can_view_person, require


def person_get_for_user(*, user: User, pk: Any, related: Sequence[str] = ()) -> Person:
    """One person the user may see (404 if there is none, 403 if they may not).

    `related` names more one-to-one relations to load in the same query: the role extensions,
    which apps above persons know of (the person page passes them).
    """
    person = get_object_or_404(Person.objects.select_related("assigned_to", *related), pk=pk)
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


# --- The people list: search (its sort orders are in web.selectors) ----------------------------

# The annotation person_search adds: how well a person matches the query (0-1), for "relevance".
# similarity() is a real; cast to double precision the rank survives the trip through a page cursor
# exactly, so equally ranked rows are paged by id without skipping any.
SEARCH_RANK = "search_rank"
SEARCH_MAX_TERMS = 6
# Phone searches need this many digits: pg_trgm cannot narrow a LIKE with fewer than three characters.
PHONE_MIN_DIGITS = 3
_PHONE_QUERY = re.compile(r"^\+?[\d\s().\-/]+$")
# One word with any of these is a piece of an email address ("navy.example", "jsmith12"), not a name.
_EMAIL_FRAGMENT = re.compile(r"[.@_+\d]")
_COMPLETE_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# An email search needs this many letters and digits: with fewer ("@", "@e") the trigram index
# cannot narrow the LIKE and every email of the table would be read and ranked.
EMAIL_MIN_CHARACTERS = 3
# How much of a searched word must reappear in a name (pg_trgm word similarity, 0-1). 0.45 still
# finds "smiht" (0.5 of "smith") and "Denn" (0.8 of "dennis"), and an index candidate for a
# 4-letter word must share 3 of its 5 trigrams, where pg_trgm's `%` at 0.3 let every "Jo..." name
# through for "jonh" (2 were enough). A 4-letter word with two letters swapped ("jonh" is 0.4 of
# "john") is found by the other words only.
NAME_WORD_SIMILARITY = 0.45
# Words this long may be two typos (a swap of letters is two edits) from a name; shorter, one.
NEAR_SPELLING_MIN_LENGTH = 5
# Shorter words get no near-spelling fallback: one edit from "li" is half the names starting with l.
NEAR_SPELLING_MIN_CHARACTERS = 4


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


def _alnum_count(text: str) -> int:
    """pg_trgm builds trigrams from letters and digits only; the rest separates words."""
    return sum(char.isalnum() for char in text)


def _name_word_condition(term: str) -> Q:
    """A person whose name is like `term`: by word similarity, or for two letters the exact word.

    Two letters make three trigrams, and word similarity would take every name starting with them
    ("jo": John, Joseph, Jones, Johnson: 126,000 of the benchmark's million persons, each scored). A
    two-letter word is more likely a whole name (Li, Wu, Ng), and LIKE 'wu %' needs all of
    "  w", " wu" and "wu ", which only such names have.
    """
    if _alnum_count(term) > 2:
        return Q(full_name_lower__trigram_word_similar=term)
    return (
        Q(full_name_lower__startswith=f"{term} ")
        | Q(full_name_lower__endswith=f" {term}")
        | Q(full_name_lower__contains=f" {term} ")
    )


def _email_search(queryset: QuerySet[Person], text: str) -> QuerySet[Person]:
    """Persons whose email contains `text`, and for an address nobody has, those much like it.

    The substring is answered by persons_email_trgm with LIKE: every trigram of the text must be
    present, so even a common domain leaves few rows to check. A complete address that is nobody's
    exactly (one lookup in persons_email_lower_idx) may be misspelt, so it also matches emails
    with `<<%` (strict word similarity of at least pg_trgm.strict_word_similarity_threshold, 0.5).
    That branch re-checks every email sharing half the text's trigrams, thousands of rows at a
    million persons, which is why an address someone has skips it.
    """
    if _alnum_count(text) < EMAIL_MIN_CHARACTERS:
        return queryset.none().annotate(**{SEARCH_RANK: Value(0.0, output_field=FloatField())})
    queryset = queryset.alias(email_lower=Lower("email"))
    condition = Q(email_lower__contains=text)
    if _COMPLETE_EMAIL.match(text) and not queryset.filter(email_lower=text).exists():
        condition |= Q(email_lower__trigram_strict_word_similar=text)
    rank = Cast(TrigramSimilarity(Lower("email"), text), FloatField())
    return queryset.filter(condition).annotate(**{SEARCH_RANK: rank})


def _name_search(queryset: QuerySet[Person], text: str) -> QuerySet[Person]:
    """Persons with a name like any word of `text`; for a single word, also an email containing it.

    Each word is compared with `<%` (word similarity: the word against the closest stretch of
    "first last", at least NAME_WORD_SIMILARITY) on persons_full_name_trgm, so a word is one bitmap
    scan of one index and a misspelt ("smiht") or unfinished ("Denn") name is still found. The
    rank is the similarity of the whole text to the whole name, so "Jonh Smiht" puts John Smith
    above the other Smiths.
    """
    # A single letter is no name: it would match every name with a word starting with it.
    terms = [term for term in text.split()[:SEARCH_MAX_TERMS] if _alnum_count(term) >= 2]
    if not terms:
        return queryset.none().annotate(**{SEARCH_RANK: Value(0.0, output_field=FloatField())})
    condition = Q()
    for term in terms:
        condition |= _name_word_condition(term)
    if len(terms) == 1 and _alnum_count(terms[0]) >= EMAIL_MIN_CHARACTERS:
        # A lone word may also be part of an email ("kitty" for Katherine). Such a match ranks by
        # its name like the others: scoring the email of every Olga for "olga" as well cost a
        # quarter more time at a million persons, to reorder rows that all contain the word.
        condition |= Q(email_lower__contains=terms[0])
    rank = Cast(TrigramSimilarity(FullNameLower(), text), FloatField())
    queryset = queryset.alias(full_name_lower=FullNameLower(), email_lower=Lower("email"))
    if (
        len(terms) == 1
        and _alnum_count(terms[0]) >= NEAR_SPELLING_MIN_CHARACTERS
        and not _any_match(queryset.filter(condition))
    ):
        condition = _near_spelling_condition(terms[0])
    return queryset.filter(condition).annotate(**{SEARCH_RANK: rank})


def _any_match(queryset: QuerySet[Person]) -> bool:
    """EXISTS, read through the indexes.

    With LIMIT 1 the planner bets that a sequential scan meets a match early; a search that
    matches nobody then scores every person (2 s at a million). The bitmap plan costs the same
    few milliseconds whether there is a match or not.
    """
    # SET LOCAL needs a transaction; inside a caller's, no savepoint is needed around it.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        try:
            return queryset.exists()
        finally:
            # Inside a caller's transaction SET LOCAL would outlive this check.
            cursor.execute("SET LOCAL enable_seqscan = DEFAULT")


def _near_spelling_condition(term: str) -> Q:
    """A first or last name within a typo or two of `term`, starting with the same letter.

    Trigrams miss a swap near the start of a short name: "smtih" shares two of its six trigrams
    with "smith", "jhonson" scores 0.375 against "johnson". When the trigram search found nobody,
    this asks for an edit distance (fuzzystrmatch's levenshtein_less_equal; a swap costs 2) on the
    names that start with the same letter, which the trigram indexes on the first and last names
    find ("  s" is a trigram of every word starting with s). It runs only after an empty search,
    so the usual search pays one EXISTS for it.
    """
    distance = 1 if len(term) < NEAR_SPELLING_MIN_LENGTH else 2
    condition = Q()
    for column in ("first_name", "last_name"):
        lowered = Lower(column)
        within = Func(
            lowered,
            Value(term),
            Value(distance),
            function="levenshtein_less_equal",
            output_field=IntegerField(),
        )
        condition |= Q(StartsWith(lowered, term[0])) & Q(LessThanOrEqual(within, distance))
    return condition


def _phone_search(queryset: QuerySet[Person], query: str, variants: tuple[str, ...]) -> QuerySet[Person]:
    """Persons whose E.164 phone contains the typed digits (persons_phone_trgm with LIKE)."""
    condition = Q()
    for digits in variants:
        condition |= Q(phone__contains=digits)
    # An exact number outranks a number that merely contains the digits.
    exact = normalize_phone(query)
    rank = Case(When(phone=exact, then=Value(1.0)), default=Value(0.5), output_field=FloatField())
    return queryset.filter(condition).annotate(**{SEARCH_RANK: rank})


def person_search(*, queryset: QuerySet[Person], query: str) -> QuerySet[Person]:
    """Persons matching a search box query by name, email or phone, annotated with SEARCH_RANK.

    What the text looks like decides where to look, so each search reads one or two indexes rather
    than all of them: digits (in any phone format) search phones; text with "@", or one word with
    a dot, underscore, plus or digit, searches emails; anything else searches names, and a single
    word also the emails that contain it.
    """
    query = " ".join(query.split())[:200]
    if not query:
        return queryset
    phone_variants = _phone_digits_query(query)
    if phone_variants is not None:
        return _phone_search(queryset, query, phone_variants)
    lowered = query.lower()
    if "@" in lowered or (" " not in lowered and _EMAIL_FRAGMENT.search(lowered)):
        return _email_search(queryset, lowered)
    return _name_search(queryset, lowered)


def set_search_thresholds(*, connection: BaseDatabaseWrapper, **kwargs) -> None:
    """Give a new database connection the pg_trgm threshold the name search is tuned for.

    Connected to connection_created (persons.apps), so every query that runs person_search's
    queryset (the list, a bulk action on everyone matching) matches the same persons. Only the
    `<%` family reads this setting; `%`, which the duplicate check uses, keeps its default.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET pg_trgm.word_similarity_threshold = {NAME_WORD_SIMILARITY:.2f}")
