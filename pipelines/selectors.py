"""Reads the pipeline boards share: column counts, stage limits and the pipeline numbers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import QuerySet

from persons.models import ROLE_FLAGS

from .models import StageLimit
from .rules import Pipeline

# A column counts its cards up to this many and then says "100+": an exact count of a large
# column would read every one of its rows (and join each to its person) on every board load and
# every move; at a million persons a cap of 1,000 cost a second (bench/README.md).
COUNT_CAP = 100


def pipeline_cards(pipeline: Pipeline) -> QuerySet:
    """Every card of the pipeline: its role view, with the assigned user joined."""
    return pipeline.view.objects.select_related("assigned_to")


@dataclass(frozen=True)
class ColumnCount:
    count: int
    capped: bool  # there are more than `count`

    def __str__(self) -> str:
        return f"{self.count:,}+" if self.capped else f"{self.count:,}"


def column_counts(queryset: QuerySet, pipeline: Pipeline, *, cap: int = COUNT_CAP) -> dict[str, ColumnCount]:
    """Cards per status of the (filtered) queryset, each counted up to `cap`, in one query.

    Each status is its own LIMITed subquery, so a column costs at most `cap` index entries
    whatever the pipeline's size, and the board's query count does not depend on its columns.
    """
    parts, params = [], []
    for status in pipeline.statuses.values:
        rows = queryset.filter(**{pipeline.status_field: status}).order_by().values("pk")[: cap + 1]
        sql, sql_params = rows.query.sql_with_params()
        parts.append(f"SELECT %s, (SELECT count(*) FROM ({sql}) AS capped)")
        params += [status, *sql_params]
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        # Each count walks its status's index and looks up each card's person by primary key,
        # at most cap + 1 times. Left to itself the planner may instead hash-join the whole persons
        # table (a sequential scan) when it expects most persons to be leads, or scan the whole
        # extension table when it is small; SET LOCAL keeps the bounded plan for this statement.
        cursor.execute(
            "SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off; "
            "SET LOCAL enable_seqscan = off"
        )
        try:
            cursor.execute(" UNION ALL ".join(parts), params)
            found = dict(cursor.fetchall())
        finally:
            # Inside a caller's transaction SET LOCAL would outlive this statement.
            cursor.execute(
                "SET LOCAL enable_hashjoin = DEFAULT; SET LOCAL enable_mergejoin = DEFAULT; "
                "SET LOCAL enable_seqscan = DEFAULT"
            )
    return {status: ColumnCount(min(n, cap), n > cap) for status, n in found.items()}


def stage_limits(pipeline: Pipeline) -> dict[str, int]:
    """Days a card may sit in each stage before it is stale (stages without a limit are absent)."""
    return dict(StageLimit.objects.filter(pipeline=pipeline.key).values_list("status", "days"))


# --- Pipeline numbers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StageNumbers:
    status: str
    label: str
    entered: int  # cards that entered the stage in the period
    moved_on: int  # of those, how many went on to a later stage (or won)
    lost: int  # of those, how many went to the pipeline's lost stage next
    median_days: float | None  # median days spent in the stage, over the cards that left it
    closed: bool = False  # a journey's end (won, lost…): nothing moves on from it

    @property
    def conversion(self) -> int | None:
        """Percent of the cards that entered the stage and moved on from it."""
        if self.closed or not self.entered:
            return None
        return round(100 * self.moved_on / self.entered)


# Every status_history entry of the rows changed since the period began, with the entry that
# followed it. A row whose history has an entry in the period was saved at that entry's time or
# later, so `updated_at >= start` (an index range) finds them all without unnesting the rest.
_NUMBERS_SQL = """
WITH entries AS (
    SELECT (h.entry ->> 'status') AS status,
           (h.entry ->> 'at')::timestamptz AS entered_at,
           lead(h.entry ->> 'status') OVER w AS next_status,
           lead((h.entry ->> 'at')::timestamptz) OVER w AS left_at
    FROM {table} e
    JOIN persons p ON p.id = e.person_id AND p.{flag}
    CROSS JOIN LATERAL unnest(e.status_history) WITH ORDINALITY AS h(entry, n)
    WHERE e.updated_at >= %(start)s AND jsonb_typeof(h.entry) = 'object'
    WINDOW w AS (PARTITION BY e.id ORDER BY h.n)
)
SELECT status,
       count(*) AS entered,
       count(*) FILTER (WHERE array_position(%(order)s::text[], next_status)
                              > array_position(%(order)s::text[], status)
                          AND next_status <> %(lost)s) AS moved_on,
       count(*) FILTER (WHERE next_status = %(lost)s) AS lost,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM left_at - entered_at) / 86400)
           FILTER (WHERE left_at IS NOT NULL) AS median_days
FROM entries
WHERE entered_at >= %(start)s AND entered_at < %(end)s
GROUP BY status
"""


def pipeline_numbers(*, pipeline: Pipeline, start: dt.datetime, end: dt.datetime) -> list[StageNumbers]:
    """For the cards that entered each stage in [start, end): how many, how many moved on or were
    lost, and the median days they spent there. Stages in pipeline order; the lost stage last."""
    spec = pipeline.spec
    sql = _NUMBERS_SQL.format(table=spec.extension._meta.db_table, flag=ROLE_FLAGS[pipeline.role])
    params = {"start": start, "end": end, "order": list(pipeline.statuses.values), "lost": pipeline.lost}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = {status: (entered, moved, lost, median) for status, entered, moved, lost, median in cursor}
    numbers = []
    for status in pipeline.statuses.values:
        entered, moved, lost, median = rows.get(status, (0, 0, 0, None))
        numbers.append(
            StageNumbers(
                status=status,
                label=pipeline.label(status),
                entered=entered,
                moved_on=moved,
                lost=lost,
                median_days=round(median, 1) if median is not None else None,
                closed=status in pipeline.closed,
            )
        )
    return numbers
