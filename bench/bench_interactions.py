"""Time the person page's timeline, logging an interaction and My day on the bench set.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/orca_bench \\
        .venv/bin/python bench/bench_interactions.py [--repeat 20] [--only timeline,log]

Needs the data of bench/make_large_db.py and bench/make_activity.py: a million persons with about
five interactions each, the person bench.timeline@example.com with 2,000 timeline entries, and the
staff user bench.myday@example.com with 2,000 assigned persons.

Every request goes through the whole Django stack (bench/common.py: django.test.Client,
force_login, DEBUG off, one warm-up request, then --repeat timed ones). The table shows the
median, the 95th percentile (nearest rank), the slowest request, the median time PostgreSQL spent
(the sum over the request's queries) and the number of queries. The budgets (issue 7) apply to the
95th percentile:

- the person page with a 2,000-entry timeline, a later page of it, the timeline of one type: 50 ms
- logging an interaction (the log form's POST, with htmx, answered with the timeline card): 50 ms
- My day, the user's own and a manager looking at it: 100 ms

The run fails (exit status 1) when a 95th percentile exceeds its budget, a page answers with an
unexpected status or a timeline page shows another number of entries than expected. The My day
cases are skipped, with a note, while the URL names my_day:day and my_day:user_day do not exist.

Logging is real and committed (the COMMIT is part of the time); afterwards the interactions the
case logged (by their subject, which names the run) are deleted and the person's last_contacted
is put back, so the data set does not grow.
"""

from __future__ import annotations

import argparse
import re
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

import common  # first: sets up Django for the bench database
from common import MANAGER_ROLES, Timing, first_user, load_average, measure, production, signed_in
from django.test import Client
from django.urls import NoReverseMatch, reverse

from agenda.selectors import SECTION_ROWS
from interactions.models import Interaction
from messaging.selectors import encode_position, person_timeline
from orca.users.models import Role, User
from persons.models import Person

TIMELINE_BUDGET_MS = 50  # the person page with a 2,000-entry timeline, and its other pages
LOG_BUDGET_MS = 50  # logging an interaction
MY_DAY_BUDGET_MS = 100  # My day for a user with 2,000 assigned persons
MY_DAY_MIN_ROWS = 6 * SECTION_ROWS  # the bench user's sections are all full but one at most

MYDAY_EMAIL = "bench.myday@example.com"
TIMELINE_EMAIL = "bench.timeline@example.com"
TIMELINE_ENTRIES = 2000
PAGE = 20  # web.views.person.TIMELINE_PAGE_SIZE

HTMX = {"HX-Request": "true"}

_ENTRY = re.compile(r'class="timeline__item timeline__item--(?:interaction|message)\b')
_DAY_ROW = re.compile(r'<li class="day-row[ "]')


@dataclass
class Case:
    group: str
    name: str
    # Sends the request (once to warm up, then once per repetition); None: skipped (see `skip`).
    request: Callable[[], object] | None
    budget_ms: int
    expect_status: int = 200
    expect_entries: int | None = None  # timeline entries the answer must show
    min_rows: int | None = None  # My day rows the answer must show at least
    skip: str = ""
    cleanup: Callable[[], None] | None = None


@dataclass
class Result:
    case: Case
    timing: Timing | None  # None: skipped

    @property
    def shown(self) -> int | str:
        """Timeline entries, or for My day its rows, on the last answer."""
        if self.timing is None:
            return "—"
        pattern = _DAY_ROW if self.case.group == "my day" else _ENTRY
        return len(pattern.findall(self.timing.response.content.decode()))

    @property
    def ok(self) -> bool:
        if self.timing is None:
            return True
        return not self.timing.problems and self.timing.p95 <= self.case.budget_ms


# --- The data set ----------------------------------------------------------------------------------


def timeline_person() -> Person:
    person = Person.objects.filter(email=TIMELINE_EMAIL).first()
    if person is None:
        sys.exit(f"No person {TIMELINE_EMAIL}: run bench/make_activity.py first.")
    entries = person.interactions.count() + person.messages.count()
    if entries != TIMELINE_ENTRIES:
        sys.exit(f"{TIMELINE_EMAIL} has {entries:,} timeline entries, not {TIMELINE_ENTRIES:,}.")
    return person


def myday_user() -> User:
    user = first_user((Role.STAFF,), "staff", email=MYDAY_EMAIL)
    assigned = Person.objects.filter(assigned_to=user).count()  # an indexed count of 2,000 rows
    if assigned != 2000:
        sys.exit(f"{MYDAY_EMAIL} is assigned {assigned:,} persons, not 2,000: run bench/make_activity.py.")
    return user


def small_person(user: User) -> Person:
    """One of the My day user's persons: a timeline of the usual length (3 to 7 interactions)."""
    return Person.objects.filter(assigned_to=user, is_member=True).order_by("pk").first()


def page_position(person: Person, pages: int, kind: str = "") -> str:
    """The ?before= of page `pages + 1` of the timeline, as the "Older" links would reach it."""
    before = None
    for _ in range(pages):
        before = person_timeline(person=person, before=before, limit=PAGE, kind=kind).older
    return encode_position(before)


# --- Logging, undone afterwards ----------------------------------------------------------------------


class Logger:
    """POSTs the log form for `person` (a call, with htmx); deletes what it logged afterwards."""

    def __init__(self, client: Client, person: Person) -> None:
        self.client, self.person = client, person
        self.marker = f"bench {uuid.uuid4().hex[:12]}"
        self.url = reverse("persons:interaction_new", args=[person.pk])
        self.last_contacted = Person.objects.values_list("last_contacted", flat=True).get(pk=person.pk)
        self.count = 0

    def send(self):
        self.count += 1
        data = {
            "kind": "log",
            "interaction_type": "call",
            "subject": f"{self.marker} #{self.count}",
            "content": "Asked about the family plan; will come by on Saturday.",
            "outcome": "reached",
            "duration_minutes": "6",
            "sentiment": "positive",
        }
        return self.client.post(self.url, data, headers=HTMX)

    def cleanup(self) -> None:
        Interaction.objects.filter(person=self.person, subject__startswith=self.marker).delete()
        Person.objects.filter(pk=self.person.pk).update(last_contacted=self.last_contacted)


# --- The cases ---------------------------------------------------------------------------------------


def my_day_url(name: str, args: list | None = None) -> tuple[str, str]:
    """(url, "") or ("", why it is skipped)."""
    try:
        return reverse(name, args=args), ""
    except NoReverseMatch:
        return "", f"URL name {name} does not exist yet (My day is not merged): skipped"


def cases(manager: Client, myday: Client, myday_pk, person: Person, small: Person) -> list[Case]:
    def get(client: Client, url: str, **headers: str) -> Callable[[], object]:
        return lambda: client.get(url, headers=headers or None)

    detail = reverse("persons:detail", args=[person.pk])
    timeline = reverse("persons:timeline", args=[person.pk])
    found = [
        Case(
            "timeline",
            "person page, 2,000-entry timeline",
            get(manager, detail),
            TIMELINE_BUDGET_MS,
            expect_entries=PAGE,
        ),
        Case(
            "timeline",
            "next page (Older, htmx)",
            get(manager, f"{timeline}?{urlencode({'before': page_position(person, 1)})}", **HTMX),
            TIMELINE_BUDGET_MS,
            expect_entries=PAGE,
        ),
        Case(
            "timeline",
            "page 51 (50 × Older, htmx)",
            get(manager, f"{timeline}?{urlencode({'before': page_position(person, 50)})}", **HTMX),
            TIMELINE_BUDGET_MS,
            expect_entries=PAGE,
        ),
        Case(
            "timeline",
            "person page at page 51 (no JavaScript)",
            get(manager, f"{detail}?{urlencode({'before': page_position(person, 50)})}"),
            TIMELINE_BUDGET_MS,
            expect_entries=PAGE,
        ),
        Case(
            "timeline",
            "filtered: calls (htmx)",
            get(manager, f"{timeline}?type=call", **HTMX),
            TIMELINE_BUDGET_MS,
            expect_entries=PAGE,
        ),
        Case(
            "timeline",
            "filtered: calls, page 11 (htmx)",
            get(
                manager,
                f"{timeline}?{urlencode({'type': 'call', 'before': page_position(person, 10, 'call')})}",
                **HTMX,
            ),
            TIMELINE_BUDGET_MS,
            expect_entries=PAGE,
        ),
        Case(
            "timeline",
            "filtered: meetings, a rare type (htmx)",
            get(manager, f"{timeline}?type=meeting", **HTMX),
            TIMELINE_BUDGET_MS,
            expect_entries=PAGE,
        ),
        Case(
            "timeline",
            "filtered: messages sent (htmx)",
            get(manager, f"{timeline}?type=messages", **HTMX),
            TIMELINE_BUDGET_MS,
            expect_entries=PAGE,
        ),
        Case(
            "timeline",
            "person page, 5-entry timeline",
            get(manager, reverse("persons:detail", args=[small.pk])),
            TIMELINE_BUDGET_MS,
        ),
    ]
    for label, target in (("2,000-entry person", person), ("5-entry person", small)):
        logger = Logger(manager, target)
        found.append(
            Case(
                "log",
                f"log a call, htmx ({label})",
                logger.send,
                LOG_BUDGET_MS,
                expect_entries=PAGE if target is person else None,
                cleanup=logger.cleanup,
            )
        )
    # My day: seven sections of up to 25 rows; the bench user's day fills every one of them.
    for label, client, name, args, headers in (
        ("My day, the user's own (2,000 persons)", myday, "my_day:day", None, {}),
        ("My day, htmx partial (the answer after complete or snooze)", myday, "my_day:day", None, HTMX),
        ("My day of that user, seen by a manager", manager, "my_day:user_day", [myday_pk], {}),
    ):
        url, skip = my_day_url(name, args)
        found.append(
            Case(
                "my day",
                label,
                get(client, url, **headers) if url else None,
                MY_DAY_BUDGET_MS,
                min_rows=MY_DAY_MIN_ROWS,
                skip=skip,
            )
        )
    return found


# --- Running -----------------------------------------------------------------------------------------


def check(case: Case, response) -> list[str]:
    problems = []
    if response.status_code != case.expect_status:
        problems.append(f"status {response.status_code}, expected {case.expect_status}")
    if case.expect_entries is not None:
        shown = len(_ENTRY.findall(response.content.decode()))
        if shown != case.expect_entries:
            problems.append(f"{shown} timeline entries, expected {case.expect_entries}")
    if case.min_rows is not None:
        rows = len(_DAY_ROW.findall(response.content.decode()))
        if rows < case.min_rows:
            problems.append(f"{rows} My day rows, expected at least {case.min_rows}")
    return problems


def run_case(case: Case, repeat: int) -> Result:
    if case.request is None:
        return Result(case, None)
    try:
        timing = measure(case.request, repeat, lambda response, queries: check(case, response))
    finally:
        if case.cleanup is not None:
            case.cleanup()
    return Result(case, timing)


def print_table(results: list[Result]) -> None:
    def row(r: Result) -> list[object]:
        t = r.timing
        if t is None:
            return [r.case.group, r.case.name, "—", "—", "—", "—", "—", "—", r.case.budget_ms, "skipped"]
        return [
            r.case.group,
            r.case.name,
            r.shown,
            t.queries,
            f"{t.median:.0f}",
            f"{t.p95:.0f}",
            f"{t.slowest:.0f}",
            f"{t.sql_median:.0f}",
            r.case.budget_ms,
            "yes" if r.ok else "NO",
        ]

    common.print_table(
        [
            "group",
            "case",
            "entries",
            "queries",
            "median ms",
            "p95 ms",
            "max ms",
            "SQL ms",
            "budget (p95) ms",
            "ok",
        ],
        (row(r) for r in results),
        right=range(2, 9),
    )
    for r in results:
        if r.case.skip:
            print(f"SKIPPED {r.case.group} / {r.case.name}: {r.case.skip}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per case (default 20)")
    parser.add_argument(
        "--min-persons",
        type=int,
        default=900_000,
        help="refuse to run on a smaller persons table (default 900,000; 0 to run anyway)",
    )
    parser.add_argument(
        "--min-interactions",
        type=int,
        default=4_000_000,
        help="refuse to run with fewer interactions (default 4,000,000; 0 to run anyway)",
    )
    parser.add_argument(
        "--only",
        default="",
        help="run only cases whose group or name contains one of these (comma-separated)",
    )
    parser.add_argument(
        "--explain",
        type=int,
        default=0,
        metavar="N",
        help="after each case, EXPLAIN (ANALYZE, BUFFERS) its N slowest SELECTs (of the last repetition)",
    )
    args = parser.parse_args()

    hint = "fill the database with bench/make_large_db.py and bench/make_activity.py first."
    persons = common.require_rows("persons", args.min_persons, "--min-persons", hint)
    interactions = common.require_rows("interactions", args.min_interactions, "--min-interactions", hint)
    manager_user = first_user(MANAGER_ROLES, "manager")
    myday = myday_user()
    person, small = timeline_person(), small_person(myday)
    print(
        f"persons ≈ {persons:,}, interactions ≈ {interactions:,}; {args.repeat} repetitions; "
        f"load average {load_average()}\n"
        f"manager {manager_user.email}; My day {myday.email}; timeline {person.email} "
        f"({TIMELINE_ENTRIES:,} entries); small timeline {small.email}\n"
    )
    with production():
        selected = [
            c
            for c in cases(signed_in(manager_user), signed_in(myday), myday.pk, person, small)
            if common.matches(args.only, c.group, c.name)
        ]
        results = []
        for case in selected:
            results.append(run_case(case, args.repeat))
            if args.explain and results[-1].timing is not None:
                print(f"\n==== {case.group} / {case.name}")
                common.explain_slowest(results[-1].timing.last_queries, args.explain)
    print_table(results)
    common.finish(
        [(f"{r.case.group} / {r.case.name}", r.ok, r.timing.problems if r.timing else []) for r in results]
    )


if __name__ == "__main__":
    main()
