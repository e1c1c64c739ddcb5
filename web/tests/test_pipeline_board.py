"""The pipeline boards: columns, cards, counts, stale marks, filters, more cards and query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from extensions.factories import LeadExtensionFactory, MemberExtensionFactory, ReferralExtensionFactory
from extensions.models import LeadExtension
from persons.factories import PersonFactory
from pipelines.models import StageLimit
from pipelines.rules import PIPELINES
from relationships.services import referral_record

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def board_url(pipeline: str = "leads", **params) -> str:
    url = reverse("pipelines:board", args=[pipeline])
    if params:
        from urllib.parse import urlencode

        url += "?" + urlencode(params, doseq=True)
    return url


def lead(owner=None, status_path=(), since=None, **fields) -> LeadExtension:
    person = PersonFactory(assigned_to=owner)
    statuses = [(status, None) for status in status_path]
    return LeadExtensionFactory(person=person, statuses=statuses, since=since, **fields)


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(board_url())
    assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.parametrize("pipeline", PIPELINES)
@pytest.mark.parametrize("who", ["staff_client", "manager_client", "admin_client"])
def test_every_role_sees_every_board_with_one_column_per_stage(request, who, pipeline):
    client = request.getfixturevalue(who)
    response = client.get(board_url(pipeline))
    assert response.status_code == 200
    html = response.content.decode()
    for status in PIPELINES[pipeline].statuses.values:
        assert f'id="cards-{status}"' in html


def test_an_unknown_pipeline_is_not_found(staff_client):
    assert staff_client.get("/pipelines/prospects/").status_code == 404


def test_the_board_shows_my_cards_by_default_and_everyones_on_request(
    staff_client, staff_user, other_staff_user
):
    mine = lead(owner=staff_user)
    theirs = lead(owner=other_staff_user)
    html = staff_client.get(board_url()).content.decode()
    assert mine.person.last_name in html and f"card-{theirs.person_id}" not in html
    html = staff_client.get(board_url(assigned="everyone")).content.decode()
    assert f"card-{mine.person_id}" in html and f"card-{theirs.person_id}" in html


def test_a_card_shows_the_lead_facts_and_days_in_stage(staff_client, staff_user):
    entered = timezone.now() - dt.timedelta(days=3, hours=1)
    row = lead(
        owner=staff_user, since=entered, readiness_score=72, estimated_value=1200, lead_temperature="hot"
    )
    html = staff_client.get(board_url()).content.decode()
    assert row.person.first_name in html
    assert "72/100" in html and "$1,200" in html and "Hot" in html
    assert "3 days in new" in html


def test_a_card_longer_in_its_stage_than_the_limit_is_stale(staff_client, staff_user):
    StageLimit.objects.filter(pipeline="leads", status="new").update(days=2)
    old = lead(owner=staff_user, since=timezone.now() - dt.timedelta(days=5))
    fresh = lead(owner=staff_user)
    html = staff_client.get(board_url()).content.decode()
    assert f'board-card board-card--stale" id="card-{old.person_id}"' in html
    assert f'board-card" id="card-{fresh.person_id}"' in html


def test_column_counts_head_each_column(staff_client, staff_user):
    for _ in range(3):
        lead(owner=staff_user)
    lead(owner=staff_user, status_path=["contacted"])
    html = staff_client.get(board_url()).content.decode()
    assert 'id="count-new" aria-label="3 cards">3<' in html
    assert 'id="count-contacted" aria-label="1 cards">1<' in html


def test_the_referral_card_names_its_referrers_primary_first(staff_client, staff_user):
    referred = PersonFactory(assigned_to=staff_user)
    ReferralExtensionFactory(person=referred)
    first, second = (
        PersonFactory(first_name="Primo", last_name="Uno"),
        PersonFactory(first_name="Secondo", last_name="Due"),
    )
    referral_record(
        referrer=second, referred=referred, actor=None, attribution_percentage=40, is_primary_referrer=False
    )
    referral_record(
        referrer=first, referred=referred, actor=None, attribution_percentage=60, is_primary_referrer=True
    )
    html = staff_client.get(board_url("referrals")).content.decode()
    assert "Primo Uno, Secondo Due" in html


def test_a_member_card_shows_membership_check_in_streak_and_churn(staff_client, staff_user):
    person = PersonFactory(assigned_to=staff_user)
    MemberExtensionFactory(person=person, statuses=[("active", None)], attendance_streak=4, churn_risk="high")
    html = staff_client.get(board_url("members")).content.decode()
    assert "4 days" in html and "High" in html and "Check in" in html


def test_a_long_column_shows_its_first_cards_and_loads_more(staff_client, staff_user):
    for _ in range(12):
        lead(owner=staff_user)
    html = staff_client.get(board_url()).content.decode()
    assert html.count('<li class="board-card') == 10
    more = reverse("pipelines:column", args=["leads", "new"])
    assert f'href="{more}?' in html
    start = html.index(f'href="{more}?') + len('href="')
    url = html[start : html.index('"', start)].replace("&amp;", "&")
    response = staff_client.get(url, **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('<li class="board-card') == 2 and 'hx-swap-oob="beforeend:#cards-new"' in body
    assert "Show 25 more" not in body


def test_the_board_query_count_does_not_grow_with_cards(
    staff_client, staff_user, django_assert_max_num_queries
):
    for status_path in ([], ["contacted"], ["qualified"]):
        lead(owner=staff_user, status_path=status_path)
    with django_assert_max_num_queries(20) as few:
        staff_client.get(board_url())
    for _ in range(30):
        lead(owner=staff_user, status_path=["contacted"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        staff_client.get(board_url())


def test_invalid_filters_answer_422_with_the_error_beside_the_field(staff_client):
    response = staff_client.get(board_url(created_after="2026-02-10", created_before="2026-01-01"))
    assert response.status_code == 422
    assert "before the “from” date" in response.content.decode()


def test_filters_narrow_the_board(staff_client, staff_user):
    hot = lead(owner=staff_user, lead_temperature="hot")
    cold = lead(owner=staff_user, lead_temperature="cold")
    html = staff_client.get(board_url(temperature="hot")).content.decode()
    assert f"card-{hot.person_id}" in html and f"card-{cold.person_id}" not in html


def test_the_numbers_count_entries_moves_and_losses(staff_client, staff_user):
    lead(owner=staff_user, status_path=["contacted", "qualified"])
    lead(owner=staff_user, status_path=["contacted", "lost"])
    response = staff_client.get(reverse("pipelines:numbers", args=["leads"]), **HTMX)
    assert response.status_code == 200
    assert "Pipeline numbers" in response.content.decode()


def test_the_table_lists_the_same_cards_with_paging(staff_client, staff_user):
    for _ in range(3):
        lead(owner=staff_user)
    response = staff_client.get(reverse("pipelines:table", args=["leads"]))
    assert response.status_code == 200
    assert response.content.decode().count("<tr>") == 4


# --- Plans: the board reads indexes, never whole tables ---------------------------------------------


@pytest.fixture
def many_leads(staff_user, other_staff_user):
    """3,000 leads among 9,000 persons, over the stages and two owners, in bulk, then ANALYZEd."""
    from django.db import connection

    from extensions.models import LeadExtension
    from persons.models import Person

    statuses = PIPELINES["leads"].statuses.values
    owners = [staff_user, other_staff_user, None]
    everyone = Person.objects.bulk_create(
        Person(first_name=f"First{n}", last_name=f"Last{n}", is_lead=n % 3 == 0, assigned_to=owners[n % 3])
        for n in range(9000)
    )
    persons = [person for person in everyone if person.is_lead]
    now = timezone.now()
    LeadExtension.objects.bulk_create(
        LeadExtension(
            person=person,
            lead_status=statuses[n % len(statuses)],
            stage_entered_at=now - dt.timedelta(hours=n),
            status_history=[
                {"status": statuses[n % len(statuses)], "at": now.isoformat(), "by": None, "note": ""}
            ],
        )
        for n, person in enumerate(persons)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE persons; ANALYZE lead_extensions")
    return persons


def _plans(queries) -> list[str]:
    """EXPLAIN of each query that reads the leads, with sequential scans priced out: a plan that
    still shows one has no index to read. (On a few thousand rows the planner may rightly prefer
    a scan; what must hold at any size is that an index serves every query.)"""
    from django.db import connection

    plans = []
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for query in queries:
            sql = query["sql"]
            if ("lead_extensions" in sql or "leads_view" in sql) and not sql.lstrip().upper().startswith(
                "SET"
            ):
                cursor.execute(f"EXPLAIN {sql}")
                plans.append("\n".join(row[0] for row in cursor.fetchall()))
        cursor.execute("SET LOCAL enable_seqscan = DEFAULT")
    return plans


def test_the_board_column_and_count_queries_read_indexes(staff_client, many_leads):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for params in ({}, {"assigned": "everyone"}, {"assigned": "everyone", "q": "Last123"}):
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get(board_url(**params)).status_code == 200
        plans = _plans(captured.captured_queries)
        assert len(plans) >= len(PIPELINES["leads"].statuses.values) + 1  # the columns and the counts
        for plan in plans:
            assert "Seq Scan on persons" not in plan, (params, plan)
            assert "Seq Scan on lead_extensions" not in plan, (params, plan)


# --- The table --------------------------------------------------------------------------------------


def table_url(**params) -> str:
    from urllib.parse import urlencode

    url = reverse("pipelines:table", args=["leads"])
    return f"{url}?{urlencode(params, doseq=True)}" if params else url


def _names(html: str) -> list[str]:
    import re

    return re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a></th>', html)


def test_the_table_sorts_by_name_days_in_stage_and_added(staff_client, staff_user):
    for name, days in (("Bea Ames", 1), ("Cy Bell", 9), ("Al Cole", 4)):
        first, last = name.split()
        LeadExtensionFactory(
            person=PersonFactory(assigned_to=staff_user, first_name=first, last_name=last),
            since=timezone.now() - dt.timedelta(days=days),
        )
    assert _names(staff_client.get(table_url(sort="name")).content.decode()) == [
        "Bea Ames",
        "Cy Bell",
        "Al Cole",
    ]
    assert _names(staff_client.get(table_url()).content.decode()) == ["Cy Bell", "Al Cole", "Bea Ames"]
    assert _names(staff_client.get(table_url(sort="-entered")).content.decode()) == [
        "Bea Ames",
        "Al Cole",
        "Cy Bell",
    ]
    assert len(_names(staff_client.get(table_url(sort="-created")).content.decode())) == 3


def test_the_table_pages_with_keyset_links_that_keep_filters_and_sort(staff_client, staff_user):
    for _ in range(53):
        lead(owner=staff_user, lead_temperature="hot")
    html = staff_client.get(table_url(temperature="hot", sort="name")).content.decode()
    assert len(_names(html)) == 50
    start = html.index('rel="next" href="') + len('rel="next" href="')
    next_url = html[start : html.index('"', start)].replace("&amp;", "&")
    assert "temperature=hot" in next_url and "sort=name" in next_url
    assert len(_names(staff_client.get(next_url).content.decode())) == 3


def test_the_table_filters_by_stage_and_refuses_a_bad_cursor_gently(staff_client, staff_user):
    contacted = lead(owner=staff_user, status_path=["contacted"])
    lead(owner=staff_user)
    html = staff_client.get(table_url(status="contacted")).content.decode()
    assert _names(html) == [f"{contacted.person.first_name} {contacted.person.last_name}"]
    response = staff_client.get(table_url(after="not-a-cursor"))
    assert response.status_code == 200 and "Showing the first page" in response.content.decode()


def test_the_table_query_count_does_not_grow_with_rows(
    staff_client, staff_user, django_assert_max_num_queries
):
    lead(owner=staff_user)
    with django_assert_max_num_queries(20) as few:
        staff_client.get(table_url())
    for _ in range(20):
        lead(owner=staff_user)
    with django_assert_max_num_queries(len(few.captured_queries)):
        staff_client.get(table_url())
