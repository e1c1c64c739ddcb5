"""A paginator for lists over tables too large to COUNT(*) on every page view.

Django's admin changelist asks ``paginator.count`` on every request, which is a ``SELECT COUNT(*)``
over the filtered queryset: the whole table when nothing is filtered, a full scan at a million
persons. ``EstimatedCountPaginator`` answers instead with

* the planner's estimate (``pg_class.reltuples``, kept fresh by autovacuum) when the list is
  unfiltered and the estimate is above the cap: shown as "about 1,000,000";
* otherwise a capped count, ``SELECT count(*) FROM (<query> LIMIT cap + 1)``: exact up to the cap,
  shown as "10,000+" beyond it.

Either way the pages reach the first ``count_cap`` rows only, so no page costs an OFFSET deeper
than the cap; past it a manager narrows the filter or the search rather than paging on. Small
tables (estimate under the cap, or never analysed) get an exact count, cheaply.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Model, QuerySet
from django.utils.functional import cached_property


class ApproximateCount(int):
    """A count that is not exact. It is an int for the admin's arithmetic and comparisons, and
    renders as its label ("about N", "N+") wherever a template or a message shows it."""

    label: str

    def __new__(cls, value: int, label: str) -> ApproximateCount:
        count = super().__new__(cls, value)
        count.label = label
        return count

    def __str__(self) -> str:
        return self.label


def table_row_estimate(model: type[Model], using: str) -> int | None:
    """The planner's row count for the model's table; None for a view or a never-analysed table."""
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples, relkind FROM pg_class WHERE oid = to_regclass(%s)",
            [connection.ops.quote_name(model._meta.db_table)],
        )
        row = cursor.fetchone()
    if row is None or row[1] != "r" or row[0] < 0:
        return None
    return int(row[0])


def is_unfiltered(queryset: QuerySet) -> bool:
    query = queryset.query
    return not (query.where or query.distinct or query.combinator or query.is_sliced)


class EstimatedCountPaginator(Paginator):
    """Use as ``ModelAdmin.paginator`` on admins over large tables (see the module docstring)."""

    count_cap = 10_000

    @cached_property
    def count(self) -> int:
        """The rows the pages reach: exact up to count_cap; beyond it an ApproximateCount of
        count_cap whose label says what is known of the total."""
        queryset = self.object_list
        if not isinstance(queryset, QuerySet):
            return super().count
        if is_unfiltered(queryset):
            estimate = table_row_estimate(queryset.model, queryset.db)
            if estimate is not None and estimate > self.count_cap:
                return ApproximateCount(self.count_cap, f"about {estimate:,}")
        # The order does not change a count; dropping it spares the database a sort.
        capped = queryset.order_by()[: self.count_cap + 1].count()
        if capped > self.count_cap:
            return ApproximateCount(self.count_cap, f"{self.count_cap:,}+")
        return capped
