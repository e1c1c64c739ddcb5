"""Time the pipeline boards (/pipelines/…) on a database of about a million persons.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/orca_bench \\
        .venv/bin/python bench/bench_pipelines.py [--repeat 20] [--only move]

Every request goes through the whole Django stack (django.test.Client, signed in with
force_login, DEBUG off): URL routing, the board's filters, the column counts, one keyset page per
column, the cards and the template. Each case is requested once to warm the caches, then --repeat
times; the table shows the median, the 95th percentile (nearest rank: with 20 repetitions, the
second slowest) and the slowest time of the whole request, the time PostgreSQL spent on it (the
sum over its queries, median) and the number of SQL queries.

The cases follow what a browser asks for: the board (the signed-in user's cards, everyone's, a
filtered board, a search), a column's next cards (the "Show more" link's URL, with htmx), a move
(htmx POST of a card to the next stage, with the version the board gave it), and the pipeline
numbers the board loads (htmx). The lead board is the one the budgets were written for; the
referral and member boards are held to the same budgets.

The run fails (exit status 1) when a 95th percentile exceeds its budget, a page answers with an
unexpected status (a move must answer 200, never 409), or a board shows no cards at all.

Moves are real and committed (their COMMIT is part of the time): each repetition moves another
card from New to Contacted, and afterwards every moved card's extension row is put back exactly
as it was (status, history, durations, stage entered, version), so the data set does not drift.
"""

from __future__ import annotations

import argparse
import html
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

import common  # first: sets up Django for the bench database
from common import MANAGER_ROLES, Timing, first_user, load_average, measure, production, signed_in
from django.db import connection
from django.test import Client

from extensions.models import LeadExtension, MemberExtension, ReferralExtension
from orca.users.models import Role, User

# The budgets of the issue, for the 95th percentile of a request, whole stack included.
BOARD_BUDGET_MS = 100  # all columns, their first cards and their counts
COLUMN_BUDGET_MS = 50  # a column's next cards
MOVE_BUDGET_MS = 50  # one move, answered with the card and every column's count
NUMBERS_BUDGET_MS = 300  # the pipeline numbers of a 90-day period

HTMX = {"HX-Request": "true"}

_CARD_TAG = re.compile(r'<li class="board-card[^"]*"[^>]*>')
_ATTRIBUTE = re.compile(r'(data-[a-z-]+)="([^"]*)"')
_MORE = re.compile(r'class="btn btn--secondary btn--small board-column__more" href="([^"]+)"')
_CARD_COUNT = re.compile(r"\bdata-card\b")

# What a move changes in a lead's extension row (New to Contacted writes nothing else): put back
# after the move cases, so the card is in New again with the version the board showed.
_MOVED_FIELDS = (
    "lead_status",
    "status_history",
    "stage_duration_days",
    "stage_entered_at",
    "conversion_probability",
    "lost_reason",
    "updated_at",
)


@dataclass
class Case:
    group: str
    name: str
    # Sends the request (called once to warm up, then once per repetition).
    request: Callable[[], object]
    budget_ms: int | None  # None: measured, not held to a budget
    expect_status: int = 200
    expect_cards: bool = False  # the page must show at least one card
    # Run before the warm-up (untimed): what the request needs, e.g. the cards to move.
    setup: Callable[[int], None] | None = None
    # Run after the last repetition, even when one failed: undo what the requests wrote.
    cleanup: Callable[[], None] | None = None


@dataclass
class Result:
    case: Case
    timing: Timing
    cards: int

    @property
    def ok(self) -> bool:
        return not self.timing.problems and (
            self.case.budget_ms is None or self.timing.p95 <= self.case.budget_ms
        )


# --- The data set ----------------------------------------------------------------------------------


def histories_missing() -> bool:
    """Whether extension rows lack a status history (a data set made before the generator wrote
    them): the pipeline numbers would then read nothing and look fast for the wrong reason."""
    return any(
        model.objects.filter(status_history=[]).exists()
        for model in (LeadExtension, ReferralExtension, MemberExtension)
    )


def signed_in_as(roles: tuple[str, ...], what: str) -> tuple[User, Client]:
    user = first_user(roles, what)
    return user, signed_in(user)


def assigned_share(user: User) -> float:
    """The share of leads assigned to `user`, from the planner's statistics (no COUNT(*))."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT most_common_vals::text::uuid[], most_common_freqs FROM pg_stats
               WHERE tablename = 'persons' AND attname = 'assigned_to'"""
        )
        row = cursor.fetchone()
    if not row or row[0] is None:
        return 0.0
    return dict(zip(row[0], row[1], strict=True)).get(user.pk, 0.0)


# --- The cases -------------------------------------------------------------------------------------


def board_url(pipeline: str, params: dict[str, str] | None = None) -> str:
    return f"/pipelines/{pipeline}/" + (f"?{urlencode(params)}" if params else "")


class Column:
    """A column's page `pages + 1`, reached by following its "Show more" links from the board."""

    def __init__(self, client: Client, board: str, status: str, pages: int) -> None:
        self.client, self.board, self.status, self.pages = client, board, status, pages
        self.url = ""

    def setup(self, needed: int) -> None:
        page = self.client.get(self.board).content.decode()
        for _ in range(self.pages):
            link = next(
                (html.unescape(u) for u in _MORE.findall(page) if f"/columns/{self.status}/" in u), None
            )
            if link is None:
                sys.exit(f"The {self.status} column of {self.board} ends before page {self.pages + 1}.")
            self.url = link
            page = self.client.get(link, headers=HTMX).content.decode()

    def send(self):
        return self.client.get(self.url, headers=HTMX)


class Mover:
    """Cards to move, one per request, from a board's New column; puts them back afterwards."""

    def __init__(self, client: Client, board: str, to: str = "contacted") -> None:
        self.client, self.board, self.to = client, board, to
        self.cards: list[tuple[str, str]] = []
        self.saved: list[dict] = []

    def setup(self, needed: int) -> None:
        cards: list[tuple[str, str]] = []
        page = self.client.get(self.board).content.decode()
        while True:
            for tag in _CARD_TAG.findall(page):
                card = {name: html.unescape(value) for name, value in _ATTRIBUTE.findall(tag)}
                if card.get("data-status") == "new" and "data-locked" not in tag:
                    cards.append((card["data-move-url"], card["data-version"]))
            link = next((html.unescape(u) for u in _MORE.findall(page) if "/columns/new/" in u), None)
            if len(cards) >= needed or link is None:
                break
            page = self.client.get(link, headers=HTMX).content.decode()
        if len(cards) < needed:
            sys.exit(f"{self.board} shows {len(cards)} movable cards in New; {needed} are needed.")
        self.cards = cards[:needed]
        person_ids = [re.search(r"/([0-9a-f-]{36})/move/", url).group(1) for url, _ in self.cards]
        self.saved = list(LeadExtension.objects.filter(person_id__in=person_ids).values("id", *_MOVED_FIELDS))

    def send(self):
        url, version = self.cards.pop(0)
        return self.client.post(url, {"to": self.to, "version": version}, headers=HTMX)

    def cleanup(self) -> None:
        for row in self.saved:
            LeadExtension.objects.filter(pk=row["id"]).update(**{name: row[name] for name in _MOVED_FIELDS})
        self.saved = []


def cases(manager: Client, staff: Client) -> list[Case]:
    def get(client: Client, url: str, **headers: str) -> Callable[[], object]:
        return lambda: client.get(url, headers=headers or None)

    everyone = {"assigned": "everyone"}
    found = [
        Case(
            "leads",
            "board, mine (manager)",
            get(manager, board_url("leads")),
            BOARD_BUDGET_MS,
            expect_cards=True,
        ),
        Case(
            "leads", "board, mine (staff)", get(staff, board_url("leads")), BOARD_BUDGET_MS, expect_cards=True
        ),
        Case(
            "leads",
            "board, everyone",
            get(manager, board_url("leads", everyone)),
            BOARD_BUDGET_MS,
            expect_cards=True,
        ),
        Case(
            "leads",
            "board, everyone, hot + source website",
            get(manager, board_url("leads", {**everyone, "temperature": "hot", "source": "website"})),
            BOARD_BUDGET_MS,
            expect_cards=True,
        ),
        Case(
            "leads",
            "board, mine, hot",
            get(manager, board_url("leads", {"temperature": "hot"})),
            BOARD_BUDGET_MS,
            expect_cards=True,
        ),
        Case(
            "leads",
            "board, search “smith”, everyone",
            get(manager, board_url("leads", {"q": "smith", **everyone})),
            BOARD_BUDGET_MS,
            expect_cards=True,
        ),
        Case(
            "leads",
            "board, everyone (htmx partial)",
            get(manager, board_url("leads", everyone), **HTMX),
            BOARD_BUDGET_MS,
            expect_cards=True,
        ),
    ]
    # A column's next page: the URL of the board's "Show more" link, followed when the case runs.
    for label, status, params, pages in (
        ("New, mine: page 2", "new", None, 1),
        ("New, everyone: page 2", "new", everyone, 1),
        ("Lost, everyone: page 2", "lost", everyone, 1),
        ("New, everyone: page 41 (40 × Show more)", "new", everyone, 40),
    ):
        column = Column(manager, board_url("leads", params), status, pages)
        found.append(
            Case(
                "leads",
                f"column {label}",
                column.send,
                COLUMN_BUDGET_MS,
                expect_cards=True,
                setup=column.setup,
            )
        )
    for label, params in (("board of mine", None), ("board of everyone", everyone)):
        mover = Mover(manager, board_url("leads", params))
        found.append(
            Case(
                "leads",
                f"move New → Contacted ({label})",
                mover.send,
                MOVE_BUDGET_MS,
                expect_cards=True,
                setup=mover.setup,
                cleanup=mover.cleanup,
            )
        )
    for period, budget in (("90", NUMBERS_BUDGET_MS), ("30", NUMBERS_BUDGET_MS), ("365", None)):
        url = f"/pipelines/leads/numbers/?period={period}"
        found.append(Case("leads", f"numbers, {period} days (htmx)", get(manager, url, **HTMX), budget))
    for pipeline in ("referrals", "members"):
        found += [
            Case(
                pipeline,
                "board, mine (manager)",
                get(manager, board_url(pipeline)),
                BOARD_BUDGET_MS,
                expect_cards=True,
            ),
            Case(
                pipeline,
                "board, everyone",
                get(manager, board_url(pipeline, everyone)),
                BOARD_BUDGET_MS,
                expect_cards=True,
            ),
            Case(
                pipeline,
                "numbers, 90 days (htmx)",
                get(manager, f"/pipelines/{pipeline}/numbers/?period=90", **HTMX),
                NUMBERS_BUDGET_MS,
            ),
        ]
    return found


# --- Running ---------------------------------------------------------------------------------------


def run_case(case: Case, repeat: int) -> Result:
    try:
        if case.setup is not None:
            case.setup(repeat + 1)
        timing = measure(case.request, repeat, lambda response, queries: check(case, response))
    finally:
        if case.cleanup is not None:
            case.cleanup()
    cards = len(_CARD_COUNT.findall(timing.response.content.decode()))
    return Result(case, timing, cards)


def check(case: Case, response) -> list[str]:
    problems = []
    if response.status_code != case.expect_status:
        problems.append(f"status {response.status_code}, expected {case.expect_status}")
    if case.expect_cards and not _CARD_COUNT.search(response.content.decode()):
        problems.append("no card on the page")
    return problems


def print_table(results: list[Result]) -> None:
    common.print_table(
        [
            "board",
            "case",
            "cards",
            "queries",
            "median ms",
            "p95 ms",
            "max ms",
            "SQL ms",
            "budget (p95) ms",
            "ok",
        ],
        (
            [
                r.case.group,
                r.case.name,
                r.cards,
                r.timing.queries,
                f"{r.timing.median:.0f}",
                f"{r.timing.p95:.0f}",
                f"{r.timing.slowest:.0f}",
                f"{r.timing.sql_median:.0f}",
                r.case.budget_ms if r.case.budget_ms is not None else "—",
                "yes" if r.ok else "NO",
            ]
            for r in results
        ),
        right=range(2, 9),
    )


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
        "--min-leads",
        type=int,
        default=200_000,
        help="refuse to run with fewer leads (default 200,000; 0 to run anyway)",
    )
    parser.add_argument(
        "--only",
        default="",
        help="run only cases whose board or name contains this (or one of these, comma-separated)",
    )
    args = parser.parse_args()

    persons, leads = common.estimated_rows("persons"), common.estimated_rows("lead_extensions")
    if persons < args.min_persons or leads < args.min_leads:
        sys.exit(
            f"persons holds about {persons:,} rows and lead_extensions {leads:,}, fewer than "
            f"--min-persons {args.min_persons:,} / --min-leads {args.min_leads:,}: "
            "fill them with bench/make_large_db.py first."
        )
    if histories_missing():
        sys.exit("Some extension rows have no status history: run bench/make_large_db.py again to fill them.")
    manager_user, manager = signed_in_as(MANAGER_ROLES, "manager")
    staff_user, staff = signed_in_as((Role.STAFF,), "staff")
    print(
        f"persons ≈ {persons:,}, leads ≈ {leads:,}; {args.repeat} repetitions; load average "
        f"{load_average()}\n"
        f"mine: {manager_user.email} ({manager_user.role}, ≈ {assigned_share(manager_user):.0%} of persons), "
        f"{staff_user.email} ({staff_user.role}, ≈ {assigned_share(staff_user):.0%})\n"
    )
    with production():
        selected = [c for c in cases(manager, staff) if common.matches(args.only, c.group, c.name)]
        results = [run_case(case, args.repeat) for case in selected]
    print_table(results)
    common.finish([(f"{r.case.group} / {r.case.name}", r.ok, r.timing.problems) for r in results])


if __name__ == "__main__":
    main()
