"""Time the people list (/people/) on a database of about a million persons.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/orca_bench \\
        .venv/bin/python bench/bench_people_list.py [--repeat 5] [--only search]

Every request goes through the whole Django stack (django.test.Client, signed in as a manager with
force_login): URL routing, the filter form, the selector, keyset paging and the template. Each case
is requested once to warm the caches, then --repeat times (bench/common.py times them); the table
shows the median, the 95th percentile (nearest rank; with 5 repetitions, the slowest) and the
slowest time, the time PostgreSQL spent (sum over the request's queries, median) and the number of
SQL queries per request. The budgets here apply to the median.

The run fails (exit status 1) when a median exceeds its budget, a page answers with an unexpected
status, a search does not put the expected person first, or any query counts the persons table
(`COUNT(*)` over persons: the list must never pay for the size of the table).

Nothing is written to persons: the bulk action runs inside a transaction that is rolled back.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

import common  # first: sets up Django for the bench database
from common import MANAGER_ROLES, Timing, first_user, measure, production, require_rows, signed_in
from django.db import transaction
from django.test import Client
from django.utils import timezone

from orca.users.models import User
from persons.models import Person

LIST_URL = "/people/"

# Budgets for the median of a request, whole stack included (on the 2-core benchmark machine).
# A list page reads one keyset page from a (key, id) index: a few milliseconds of SQL; the rest is
# Python and the template, so 300 ms leaves room for a slower machine.
LIST_BUDGET_MS = 300
# A loose search (names, typos, a misspelt email) ordered by best match must score every person it
# matches before it can show the best 25: "John Smith" matches every John, Johnson and Smith
# (87,000 of a million synthetic persons, whose names come from small pools), each fetched from the
# heap and scored with pg_trgm similarity. That work grows with the matches, not with the table,
# so it gets a budget of its own; half a second still feels part of typing.
FUZZY_SEARCH_BUDGET_MS = 500

_NEXT_LINK = re.compile(r'rel="next" href="([^"]+)"')
_ROW_NAME = re.compile(r'name="ids" value="([0-9a-f-]{36})"[^>]*aria-label="Tick ([^"]*)"')
_COUNT_PERSONS = re.compile(r'\bCOUNT\(\s*\*\s*\).*\bFROM\s+"?persons"?(?:\s|$)', re.IGNORECASE | re.DOTALL)


@dataclass
class Case:
    group: str
    name: str
    params: dict[str, str | list[str]] = field(default_factory=dict)
    budget_ms: int = LIST_BUDGET_MS
    # The full name the first row must show (searches), checked on every repetition.
    expect_first: str = ""
    # A request other than GET /people/?params: returns the response (see the bulk case).
    request: Callable[[Client], object] | None = None
    expect_status: int = 200


@dataclass
class Result:
    case: Case
    timing: Timing
    rows: int

    @property
    def ok(self) -> bool:
        return not self.timing.problems and self.timing.median <= self.case.budget_ms


# --- Sample data the cases need ------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    person_id: str
    full_name: str
    email: str
    phone: str  # E.164, +1 and ten digits


def pick_sample() -> Sample:
    """A person with a North American number and an email, to look up by exact values."""
    person = (
        Person.objects.exclude(email="")
        .filter(phone__regex=r"^\+1[0-9]{10}$")
        .order_by("pk")
        .only("first_name", "last_name", "email", "phone")
        .first()
    )
    if person is None:
        sys.exit("No person has an email and a +1 phone number to search for.")
    return Sample(str(person.pk), person.full_name, person.email, person.phone)


def manager() -> User:
    return first_user(MANAGER_ROLES, "manager")


# --- The cases -----------------------------------------------------------------------------------


def cases(sample: Sample, user: User) -> list[Case]:
    digits = sample.phone[2:]  # the national number, e.g. 5550104477
    local_part = sample.email.partition("@")[0]
    today = timezone.localdate()
    month_ago = today - dt.timedelta(days=30)
    found = [
        Case("list", "first page, no filter"),
        Case("list", "first page, 100 per page", {"per_page": "100"}),
        *[
            Case("sort", f"sort {sort}", {"sort": sort})
            for key in ("name", "created", "last_contacted", "next_contact")
            for sort in (key, f"-{key}")
        ],
        Case("deep", "page 51 by name (50 × after=)", {"_deep": "name"}),
        Case("deep", "page 51 by -created (50 × after=)", {"_deep": "-created", "sort": "-created"}),
        Case("filter", "role lead", {"role": "lead"}),
        Case("filter", "role referral or member", {"role": ["referral", "member"]}),
        Case("filter", "lead status won", {"lead_status": "won"}),
        Case("filter", "referral status joined", {"referral_status": "joined"}),
        Case("filter", "membership status frozen", {"membership_status": "frozen"}),
        Case("filter", "assigned to me", {"assigned_to": "me"}),
        Case("filter", "unassigned", {"assigned_to": "unassigned"}),
        Case("filter", "assigned to me, by -created", {"assigned_to": "me", "sort": "-created"}),
        Case("filter", "tag vip", {"tags": "vip"}),
        Case("filter", "tags vip + corporate (nobody)", {"tags": "vip, corporate"}),
        Case("filter", "interest high", {"interest_level": "high"}),
        Case("filter", "source event", {"acquisition_source": "event"}),
        Case("filter", "inactive", {"active": "no"}),
        Case("filter", "email opt-in", {"email_opt_in": "yes"}),
        Case("filter", "sms opt-out", {"sms_opt_in": "no"}),
        Case(
            "filter",
            "added in the last 30 days",
            {"created_after": month_ago.isoformat(), "created_before": today.isoformat()},
        ),
        Case(
            "filter",
            "last contacted in the last 30 days",
            {"last_contacted_after": month_ago.isoformat(), "last_contacted_before": today.isoformat()},
        ),
        Case("filter", "follow-up due", {"follow_up_due": "on"}),
        Case(
            "filter",
            "lead + high interest + email opt-in",
            {"role": "lead", "interest_level": "high", "email_opt_in": "yes"},
        ),
        Case("search", "full name “John Smith”", {"q": "John Smith"}, FUZZY_SEARCH_BUDGET_MS, "John Smith"),
        Case("search", "typo “Jonh Smiht”", {"q": "Jonh Smiht"}, FUZZY_SEARCH_BUDGET_MS, "John Smith"),
        Case("search", "first name “Olga”", {"q": "Olga"}, FUZZY_SEARCH_BUDGET_MS),
        Case("search", "start of a name “Kowal”", {"q": "Kowal"}, FUZZY_SEARCH_BUDGET_MS),
        Case("search", "three letters while typing “Jon”", {"q": "Jon"}, FUZZY_SEARCH_BUDGET_MS),
        Case("search", "one letter “j” (too short: nobody)", {"q": "j"}),
        Case("search", "a two-letter name “Li”", {"q": "Li"}),
        Case("search", "“@” alone (too short: nobody)", {"q": "@"}),
        Case(
            "search", "full name, sorted by name", {"q": "John Smith", "sort": "name"}, FUZZY_SEARCH_BUDGET_MS
        ),
        Case(
            "search",
            "“Yamamoto”, sorted by name (matches at the end)",
            {"q": "Yamamoto", "sort": "name"},
            FUZZY_SEARCH_BUDGET_MS,
        ),
        Case("search", "“Yamamoto”, sorted by -created", {"q": "Yamamoto", "sort": "-created"}),
        Case("search", "name + filter lead", {"q": "John Smith", "role": "lead"}, FUZZY_SEARCH_BUDGET_MS),
        Case("search", "email fragment (local part)", {"q": re.sub(r"\d+$", "", local_part)}),
        Case("search", "email fragment with “@”", {"q": f"{local_part}@"}, expect_first=sample.full_name),
        Case("search", "full email", {"q": sample.email}, expect_first=sample.full_name),
        Case(
            "search",
            "email with a typo",
            {"q": sample.email.replace("@example", "@exmaple")},
            FUZZY_SEARCH_BUDGET_MS,
            sample.full_name,
        ),
        Case(
            "search",
            "phone (555) 010-4477 style",
            {"q": f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"},
            expect_first=sample.full_name,
        ),
        Case(
            "search",
            "phone 555.010.4477 style",
            {"q": f"{digits[:3]}.{digits[3:6]}.{digits[6:]}"},
            expect_first=sample.full_name,
        ),
        Case(
            "search",
            "phone +1 555 010 4477 style",
            {"q": f"+1 {digits[:3]} {digits[3:6]} {digits[6:]}"},
            expect_first=sample.full_name,
        ),
        Case("search", "partial phone (7 digits)", {"q": f"{digits[3:6]}-{digits[6:]}"}),
        Case("search", "nobody “zzqxv”", {"q": "zzqxv"}),
        # Letters swapped near the start: no trigram match, so the near-spelling fallback answers.
        Case("search", "swapped letters “Jhonson”", {"q": "Jhonson"}, budget_ms=FUZZY_SEARCH_BUDGET_MS),
        Case("search", "swapped letters “Smtih”", {"q": "Smtih"}, budget_ms=FUZZY_SEARCH_BUDGET_MS),
        Case("person", "person page", request=lambda client: client.get(f"/people/{sample.person_id}/")),
        Case(
            "bulk",
            "tag 25 ticked rows (rolled back)",
            request=lambda client: bulk_dry_run(client, sample, user),
            expect_status=303,
        ),
    ]
    return found


def bulk_dry_run(client: Client, sample: Sample, user: User):
    """The bulk "add tag" on the first page's ticked rows, inside a transaction that is undone."""
    page = client.get(LIST_URL)
    ids = [person_id for person_id, _ in _ROW_NAME.findall(page.content.decode())]
    with transaction.atomic():
        response = client.post(
            f"{LIST_URL}bulk/", {"action": "add_tag", "tag": "bench", "scope": "selected", "ids": ids}
        )
        transaction.set_rollback(True)
    return response


# --- Running -------------------------------------------------------------------------------------


def deep_url(client: Client, params: dict[str, str | list[str]], pages: int = 50) -> str:
    """The URL of the page reached by following `next` links `pages` times."""
    url = f"{LIST_URL}?{urlencode({k: v for k, v in params.items() if k != '_deep'}, doseq=True)}"
    for _ in range(pages):
        match = _NEXT_LINK.search(client.get(url).content.decode())
        if match is None:
            sys.exit(f"The list ran out of pages before page {pages + 1}: {url}")
        url = html.unescape(match.group(1))
    return url


def run_case(client: Client, case: Case, repeat: int) -> Result:
    if case.request is not None:
        send = case.request
    else:
        url = (
            deep_url(client, case.params)
            if "_deep" in case.params
            else f"{LIST_URL}?{urlencode(case.params, doseq=True)}"
        )

        def send(client: Client) -> object:
            return client.get(url)

    def inspect(response, queries: list[dict]) -> list[str]:
        problems = check(case, response, queries)
        names = [name for _, name in _ROW_NAME.findall(response.content.decode())]
        if case.expect_first and (not names or html.unescape(names[0]) != case.expect_first):
            problems.append(f"first row is {names[:1]}, expected {case.expect_first!r}")
        return problems

    timing = measure(lambda: send(client), repeat, inspect)
    rows = len(_ROW_NAME.findall(timing.response.content.decode()))
    return Result(case, timing, rows)


def check(case: Case, response, captured: list[dict]) -> list[str]:
    problems = []
    if response.status_code != case.expect_status:
        problems.append(f"status {response.status_code}, expected {case.expect_status}")
    for query in captured:
        if _COUNT_PERSONS.search(query["sql"]):
            problems.append(f"COUNT(*) over persons: {query['sql'][:200]}")
    return problems


def print_table(results: list[Result]) -> None:
    common.print_table(
        ["group", "case", "rows", "queries", "median ms", "p95 ms", "max ms", "SQL ms", "budget ms", "ok"],
        (
            [
                r.case.group,
                r.case.name,
                r.rows,
                r.timing.queries,
                f"{r.timing.median:.0f}",
                f"{r.timing.p95:.0f}",
                f"{r.timing.slowest:.0f}",
                f"{r.timing.sql_median:.0f}",
                r.case.budget_ms,
                "yes" if r.ok else "NO",
            ]
            for r in results
        ),
        right=range(2, 9),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed requests per case (default 5)")
    parser.add_argument(
        "--min-persons",
        type=int,
        default=900_000,
        help="refuse to run on a smaller persons table (default 900,000; 0 to run anyway)",
    )
    parser.add_argument("--only", default="", help="run only cases whose group or name contains this")
    args = parser.parse_args()

    persons = require_rows(
        "persons", args.min_persons, "--min-persons", "fill it with bench/make_large_db.py first."
    )
    user = manager()
    client = signed_in(user)
    sample = pick_sample()
    selected = [c for c in cases(sample, user) if args.only.lower() in f"{c.group} {c.name}".lower()]
    print(f"persons ≈ {persons:,}; signed in as {user.email} ({user.role}); {args.repeat} repetitions\n")
    with production():
        results = [run_case(client, case, args.repeat) for case in selected]
    print_table(results)
    common.finish([(f"{r.case.group} / {r.case.name}", r.ok, r.timing.problems) for r in results])


if __name__ == "__main__":
    main()
