"""What the benchmarks share: Django set up for the bench database, signed-in clients, timing a case.

Import it before anything of the project's (it sets DJANGO_SETTINGS_MODULE and calls
django.setup()):

    import common  # noqa: E402  (from a script in bench/)

A case is timed through the whole Django stack with django.test.Client: one warm-up request
(caches, template loading), then `repeat` timed requests, each inside CaptureQueriesContext, so
every request gives its wall time, the time PostgreSQL spent on it (the sum over its queries) and
its number of queries. The figures: the median, the 95th percentile (nearest rank: with 20
repetitions the second slowest, with 5 the slowest) and the slowest request. The requests run with
DEBUG off (`production()`), as in production; DEBUG=1 in the environment only lets the settings
load without a production SECRET_KEY.
"""

from __future__ import annotations

import math
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orca.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402

from orca.users.models import Role, User  # noqa: E402

MANAGER_ROLES = (Role.MANAGER, Role.ADMIN)
# Users the generators make for one benchmark (bench/make_activity.py): never "the first staff
# user" of another benchmark, whose figures assume a user with 1/(users + 1) of the persons.
DEDICATED_USERS = ("bench.myday@example.com",)


def production():
    """The settings the timed requests run with (a context manager)."""
    return override_settings(DEBUG=False)


# --- The data set --------------------------------------------------------------------------------


def estimated_rows(table: str) -> int:
    """The planner's row estimate: exact enough for a size check, and free (no COUNT(*))."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [table])
        estimate = cursor.fetchone()[0]
        if estimate < 0:  # never analysed
            cursor.execute(f"ANALYZE {table}")
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [table])
            estimate = cursor.fetchone()[0]
    return estimate


def require_rows(table: str, minimum: int, option: str, hint: str) -> int:
    """The table's estimated size; exits when it is below `minimum` (a budget met by accident)."""
    rows = estimated_rows(table)
    if rows < minimum:
        sys.exit(f"{table} holds about {rows:,} rows, fewer than {option} {minimum:,}: {hint}")
    return rows


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


# --- Users ---------------------------------------------------------------------------------------


def first_user(roles: Iterable[str], what: str, email: str = "") -> User:
    """The first active user (by email) of these roles, or the one with this email; exits if none.

    The dedicated users of one benchmark (DEDICATED_USERS) are only found by their email."""
    users = User.objects.filter(is_active=True, role__in=list(roles))
    users = users.filter(email=email) if email else users.exclude(email__in=DEDICATED_USERS)
    user = users.order_by("email").first()
    if user is None:
        sys.exit(
            f"No active {what} {email} in this database. Create one before filling it with "
            "bench/make_large_db.py (persons are assigned to the users that exist when it runs), e.g.\n"
            '  .venv/bin/python manage.py shell -c "from orca.users.models import User; '
            f"User.objects.create_user(email='{email or f'bench.{what}@example.com'}', password='…', "
            f"role='{what}')\""
        )
    return user


def signed_in(user: User) -> Client:
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    return client


# --- Timing --------------------------------------------------------------------------------------


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest rank: the smallest value that at least `share` of the values do not exceed."""
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


@dataclass
class Timing:
    times_ms: list[float] = field(default_factory=list)
    sql_ms: list[float] = field(default_factory=list)
    queries: int = 0  # the most any repetition asked
    problems: list[str] = field(default_factory=list)
    response: object = None  # the last repetition's
    last_queries: list[dict] = field(default_factory=list)  # the last repetition's, with their times

    @property
    def median(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def p95(self) -> float:
        return percentile(self.times_ms, 0.95)

    @property
    def slowest(self) -> float:
        return max(self.times_ms)

    @property
    def sql_median(self) -> float:
        return statistics.median(self.sql_ms)


# Looks at one response and the queries that made it; returns what is wrong with it.
Check = Callable[[object, list[dict]], list[str]]


def measure(send: Callable[[], object], repeat: int, check: Check | None = None) -> Timing:
    """One warm-up request, then `repeat` timed ones; `check` looks at every response."""
    timing = Timing()
    with CaptureQueriesContext(connection) as captured:
        warm = send()
    if check is not None:
        timing.problems += check(warm, captured.captured_queries)
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = send()
            timing.times_ms.append((time.perf_counter() - started) * 1000)
        queries = captured.captured_queries
        timing.sql_ms.append(sum(float(q["time"]) for q in queries) * 1000)
        timing.queries = max(timing.queries, len(queries))
        if check is not None:
            timing.problems += check(response, queries)
        timing.response, timing.last_queries = response, queries
    timing.problems = sorted(set(timing.problems))
    return timing


def status_check(expected: int) -> Check:
    def check(response, queries: list[dict]) -> list[str]:
        status = response.status_code
        return [] if status == expected else [f"status {status}, expected {expected}"]

    return check


def explain_slowest(queries: list[dict], count: int) -> None:
    """Print EXPLAIN (ANALYZE, BUFFERS) of the `count` slowest SELECTs among `queries` (as captured,
    parameters in place), in a transaction that is rolled back."""
    selects = [q for q in queries if q["sql"].lstrip().upper().startswith("SELECT")]
    for query in sorted(selects, key=lambda q: float(q["time"]), reverse=True)[:count]:
        print(f"\n-- {float(query['time']) * 1000:.1f} ms: {query['sql'][:300]}")
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"].replace("%", "%%"))
            print("\n".join(row[0] for row in cursor.fetchall()))
            transaction.set_rollback(True)


# --- Choosing and reporting ------------------------------------------------------------------------


def matches(only: str, *labels: str) -> bool:
    """--only: a case runs when its labels contain one of the comma-separated terms (all: empty)."""
    text = " ".join(labels).lower()
    return any(term.strip().lower() in text for term in only.split(","))


def print_table(headers: Sequence[str], rows: Iterable[Sequence[object]], right: Iterable[int] = ()) -> None:
    """A Markdown table; columns numbered in `right` are aligned right (numbers)."""
    right = set(right)
    print("| " + " | ".join(headers) + " |")
    print("|" + "|".join("--:" if i in right else "---" for i in range(len(headers))) + "|")
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")


def finish(results: Sequence[tuple[str, bool, list[str]]]) -> None:
    """Print each case's problems and exit with status 1 if any case failed: (label, ok, problems)."""
    for label, _, problems in results:
        for problem in problems:
            print(f"PROBLEM {label}: {problem}")
    failed = [label for label, ok, _ in results if not ok]
    if failed:
        print(f"\n{len(failed)} of {len(results)} cases over budget or wrong.")
        sys.exit(1)
    print(f"\nAll {len(results)} cases within budget.")
