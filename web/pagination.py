"""Keyset ("cursor") pagination: pages stay fast at any depth and need no COUNT(*).

A page is fetched with `WHERE (sort key, id) > (cursor) ORDER BY sort key, id LIMIT n + 1`, which a
btree index on (sort key, id) answers by reading n + 1 entries, however far down the list the page
is. The extra row only tells whether another page follows.

A nullable sort key is paged in two segments, the non-NULL rows first and the NULL rows after them
(NULLs last in both directions), so each segment's query is still one range of the same index:
`(key, id) > cursor` never matches a NULL, and `key IS NULL AND id > cursor` pages the NULLs.

Cursors are opaque URL-safe strings holding the ordering's name, the segment and the key values of
the row at the edge of the page. A cursor made for another ordering, or one that was edited, is
refused with InvalidCursor rather than silently showing the wrong rows.

Usage:

    ordering = KeysetOrdering("created", fields=("created_at",), descending=True)
    page = keyset_paginate(queryset, ordering=ordering, per_page=25, after=request.GET.get("after"))
    page.object_list, page.next_cursor, page.previous_cursor
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import decimal
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import BooleanField, F, Field, Func, Model, Q, QuerySet, Value


class InvalidCursor(ValueError):
    """The cursor in the URL cannot be read, or belongs to another ordering."""


@dataclass(frozen=True)
class KeysetOrdering:
    """A sort order a keyset page can follow.

    name       goes into every cursor, so a cursor from another ordering is refused
    fields     the sort key: model fields or annotations of the queryset, most significant first;
               the primary key is appended as the tie-breaker, so the order is total
    descending the whole key runs descending (mixed directions cannot use one row comparison)
    nullable   the single key field may be NULL; NULL rows come last in both directions
    """

    name: str
    fields: tuple[str, ...]
    descending: bool = False
    nullable: bool = False

    def __post_init__(self) -> None:
        if not self.fields:
            raise ValueError("A keyset ordering needs at least one field.")
        if self.nullable and len(self.fields) != 1:
            raise ValueError("Only a single-field key may be nullable.")

    @property
    def segments(self) -> int:
        return 2 if self.nullable else 1


@dataclass(frozen=True)
class KeysetPage:
    object_list: list[Any]
    has_next: bool
    has_previous: bool
    next_cursor: str | None
    previous_cursor: str | None

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)


@dataclass(frozen=True)
class _Cursor:
    segment: int
    values: tuple[Any, ...]  # the key values of the segment, then the primary key


# --- cursor encoding -------------------------------------------------------------------------------


def _to_json(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID | decimal.Decimal):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"Cannot put a {type(value).__name__} into a keyset cursor.")


def encode_cursor(ordering: KeysetOrdering, cursor: _Cursor) -> str:
    payload = {"o": ordering.name, "s": cursor.segment, "v": [_to_json(v) for v in cursor.values]}
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _output_field(queryset: QuerySet, name: str) -> Field:
    annotation = queryset.query.annotations.get(name)
    if annotation is not None:
        return annotation.output_field
    try:
        return queryset.model._meta.get_field(name)
    except FieldDoesNotExist as error:
        raise ValueError(f"{name!r} is neither a field nor an annotation of the queryset.") from error


def _key_names(queryset: QuerySet, ordering: KeysetOrdering, segment: int) -> list[str]:
    pk = queryset.model._meta.pk.name
    return [pk] if segment == 1 else [*ordering.fields, pk]


def decode_cursor(queryset: QuerySet, ordering: KeysetOrdering, token: str) -> _Cursor:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        payload = json.loads(raw)
        name, segment, values = payload["o"], payload["s"], payload["v"]
    except (binascii.Error, ValueError, TypeError, KeyError) as error:
        raise InvalidCursor("The page link is not valid.") from error
    if name != ordering.name or segment not in range(ordering.segments) or not isinstance(values, list):
        raise InvalidCursor("The page link belongs to another sort order.")
    names = _key_names(queryset, ordering, segment)
    if len(values) != len(names) or any(v is None for v in values):
        raise InvalidCursor("The page link is not valid.")
    # PostgreSQL text cannot hold NUL: such a value would fail in the database, not compare.
    if any(isinstance(v, str) and "\x00" in v for v in values):
        raise InvalidCursor("The page link is not valid.")
    try:
        parsed = tuple(_output_field(queryset, n).to_python(v) for n, v in zip(names, values, strict=True))
    except (ValidationError, TypeError, ValueError) as error:
        raise InvalidCursor("The page link is not valid.") from error
    return _Cursor(segment=segment, values=parsed)


def _cursor_of(row: Model, queryset: QuerySet, ordering: KeysetOrdering) -> _Cursor:
    segment = 1 if ordering.nullable and getattr(row, ordering.fields[0]) is None else 0
    return _Cursor(
        segment=segment,
        values=tuple(getattr(row, name) for name in _key_names(queryset, ordering, segment)),
    )


# --- queries -----------------------------------------------------------------------------------------


def _row_compare(queryset: QuerySet, names: Sequence[str], values: Sequence[Any], operator: str) -> Q | Func:
    """`(a, b, id) > (x, y, z)`: a row comparison that PostgreSQL turns into one index range."""
    if len(names) == 1:
        return Q(**{f"{names[0]}__{'gt' if operator == '>' else 'lt'}": values[0]})
    lhs = Func(*[F(name) for name in names], function="ROW")
    rhs = Func(
        *[Value(v, output_field=_output_field(queryset, n)) for n, v in zip(names, values, strict=True)],
        function="ROW",
    )
    return Func(lhs, rhs, template="%(expressions)s", arg_joiner=f" {operator} ", output_field=BooleanField())


def _segment_rows(
    queryset: QuerySet,
    ordering: KeysetOrdering,
    *,
    segment: int,
    cursor: _Cursor | None,
    forward: bool,
    limit: int,
    ids_first: bool,
) -> list[Model]:
    """Up to `limit` rows of one segment, in reading order when forward, reversed otherwise."""
    qs = queryset
    if ordering.nullable:
        qs = qs.filter(**{f"{ordering.fields[0]}__isnull": segment == 1})
    # Descending orderings read "forward" by going down the index.
    ascending = forward != ordering.descending
    if cursor is not None:
        names = _key_names(queryset, ordering, segment)
        qs = qs.filter(_row_compare(queryset, names, cursor.values, ">" if ascending else "<"))
    # The NULL segment still orders by the key first so that the (key, id) index serves it too.
    keys = [*ordering.fields, queryset.model._meta.pk.name]
    order = [F(k).asc() if ascending else F(k).desc() for k in keys]
    qs = qs.order_by(*order)
    if ids_first and not qs.query.distinct:
        # `WHERE id IN (SELECT id ... ORDER BY key LIMIT n)`, then the rows with their joins in the
        # same order, one statement. When the order needs a sort over many matches (a search), the
        # LIMIT above the joins leaves that sort unbounded: it sorted every match with every joined
        # column and spilled to disk. Without the joins, the inner query is a top-N sort of narrow
        # rows; the outer one reads and orders only those n rows (its filters repeat, on n rows).
        # Not under DISTINCT, which would need the sort keys in the subquery's select list.
        return list(queryset.filter(pk__in=qs.values("pk")[:limit]).order_by(*order))
    return list(qs[:limit])


def _fetch(
    queryset: QuerySet,
    ordering: KeysetOrdering,
    *,
    cursor: _Cursor | None,
    forward: bool,
    limit: int,
    ids_first: bool,
) -> list[Model]:
    """Rows after (forward) or before the cursor, crossing into the next segment when one runs out."""
    if cursor is None:
        segments = range(ordering.segments) if forward else range(ordering.segments - 1, -1, -1)
    elif forward:
        segments = range(cursor.segment, ordering.segments)
    else:
        segments = range(cursor.segment, -1, -1)
    rows: list[Model] = []
    for segment in segments:
        in_cursor_segment = cursor is not None and segment == cursor.segment
        rows += _segment_rows(
            queryset,
            ordering,
            segment=segment,
            cursor=cursor if in_cursor_segment else None,
            forward=forward,
            limit=limit - len(rows),
            ids_first=ids_first,
        )
        if len(rows) >= limit:
            break
    return rows


def keyset_paginate(
    queryset: QuerySet,
    *,
    ordering: KeysetOrdering,
    per_page: int,
    after: str | None = None,
    before: str | None = None,
    ids_first: bool = False,
) -> KeysetPage:
    """One page of `queryset` in `ordering`: the first, the one after `after`, or the one before `before`.

    ids_first picks the page's primary keys in a subquery before fetching the rows (see
    _segment_rows): for orders that sort many matches rather than read an index, such as a search's.
    Raises InvalidCursor for a cursor that cannot be read or belongs to another ordering.
    """
    if per_page < 1:
        raise ValueError("per_page must be at least 1.")
    if after and before:
        raise InvalidCursor("A page link cannot go both forwards and backwards.")
    if before:
        cursor = decode_cursor(queryset, ordering, before)
        rows = _fetch(
            queryset, ordering, cursor=cursor, forward=False, limit=per_page + 1, ids_first=ids_first
        )
        if len(rows) <= per_page:
            # Reached the start: show a full first page rather than a short one.
            return keyset_paginate(queryset, ordering=ordering, per_page=per_page, ids_first=ids_first)
        rows = rows[:per_page][::-1]
        has_previous, has_next = True, True
    else:
        cursor = decode_cursor(queryset, ordering, after) if after else None
        rows = _fetch(
            queryset, ordering, cursor=cursor, forward=True, limit=per_page + 1, ids_first=ids_first
        )
        has_next = len(rows) > per_page
        rows = rows[:per_page]
        has_previous = cursor is not None
    return KeysetPage(
        object_list=rows,
        has_next=has_next and bool(rows),
        has_previous=has_previous and bool(rows),
        next_cursor=encode_cursor(ordering, _cursor_of(rows[-1], queryset, ordering))
        if has_next and rows
        else None,
        previous_cursor=encode_cursor(ordering, _cursor_of(rows[0], queryset, ordering))
        if has_previous and rows
        else None,
    )
