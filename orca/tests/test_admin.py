"""The Django admin for managers: every page opens, stays fast at scale, and writes through the services."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from html.parser import HTMLParser

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agenda.models import MorningSummary
from extensions.admin import status_history_html
from extensions.choices import LeadStatus
from extensions.factories import RolePersonFactory
from extensions.models import (
    LeadExtension,
    LeadView,
    MemberExtension,
    MemberView,
    ReferralExtension,
    ReferralView,
)
from extensions.selectors import status_history_rows
from extensions.services import extension_change_status, person_set_roles
from interactions.factories import InteractionFactory
from interactions.models import Interaction
from interactions.services import interaction_schedule
from messaging.factories import BlastFactory, MessageFactory, MessageTemplateFactory
from messaging.models import Blast, Message, MessageTemplate
from orca.pagination import ApproximateCount, EstimatedCountPaginator
from orca.users.factories import UserFactory
from orca.users.models import Role, User
from persons.admin import PersonAdmin
from persons.models import Person
from persons.selectors import SEARCH_RANK, person_search
from pipelines.models import ClubClosedDay, StageLimit
from relationships.factories import ReferralFactory
from relationships.models import ReferralCredit, Relationship

pytestmark = pytest.mark.django_db

ORCA_APPS = {
    "users",
    "persons",
    "extensions",
    "relationships",
    "interactions",
    "messaging",
    "pipelines",
    "agenda",
}
# Admins that never offer "add", and why: extensions exist because their person took the role;
# the role views and messages are read-only; axes records sign-in attempts itself, and the morning
# summary job its claims.
NEVER_ADD = {
    MorningSummary,
    LeadExtension,
    ReferralExtension,
    MemberExtension,
    LeadView,
    ReferralView,
    MemberView,
    Message,
    ReferralCredit,
    AccessAttempt,
    AccessLog,
    AccessFailureLog,
}


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


# --- One object of every registered model --------------------------------------------------------


def _axes_fields() -> dict:
    return {
        "user_agent": "pytest",
        "ip_address": "10.0.0.1",
        "username": "someone@example.com",
        "path_info": "/",
    }


@pytest.fixture
def one_of_each(manager_user) -> dict:
    person = RolePersonFactory(roles={"lead", "referral", "member"}, actor=manager_user, first_name="Ada")
    referrer = RolePersonFactory(roles={"member"}, actor=manager_user)
    template = MessageTemplateFactory()
    return {
        User: manager_user,
        Person: person,
        LeadExtension: person.lead,
        ReferralExtension: person.referral,
        MemberExtension: person.member,
        LeadView: LeadView.objects.get(pk=person.pk),
        ReferralView: ReferralView.objects.get(pk=person.pk),
        MemberView: MemberView.objects.get(pk=person.pk),
        Relationship: ReferralFactory(person_a=referrer, person_b=person, actor=manager_user),
        Interaction: InteractionFactory(person=person, user=manager_user),
        MessageTemplate: template,
        Blast: BlastFactory(template=template),
        Message: MessageFactory(recipient=person),
        ReferralCredit: ReferralCredit.objects.create(
            referrer=referrer, referred=person, attribution_percentage=100, amount="50.00"
        ),
        StageLimit: StageLimit.objects.get(pipeline="leads", status="new"),
        ClubClosedDay: ClubClosedDay.objects.create(date=dt.date(2026, 12, 25), reason="Christmas"),
        MorningSummary: MorningSummary.objects.create(
            user=manager_user, day=dt.date(2026, 12, 3), status="sent"
        ),
        AccessAttempt: AccessAttempt.objects.create(
            **_axes_fields(), get_data="", post_data="", failures_since_start=1
        ),
        AccessLog: AccessLog.objects.create(**_axes_fields()),
        AccessFailureLog: AccessFailureLog.objects.create(**_axes_fields()),
    }


def registered_models() -> list:
    return list(admin.site._registry)


def test_every_registered_model_has_an_object_to_open(one_of_each):
    missing = [model.__name__ for model in registered_models() if model not in one_of_each]
    assert not missing, f"Add these to the one_of_each fixture so their admin pages are tested: {missing}"


def test_every_orca_model_is_registered():
    from django.apps import apps

    orca_models = {m for m in apps.get_models() if m._meta.app_label in ORCA_APPS}
    assert orca_models <= set(registered_models())


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
def test_managers_and_admins_open_every_changelist_add_and_change_page(client, role, one_of_each):
    user = UserFactory(role=role)
    client.force_login(user)
    for model in registered_models():
        orca = model._meta.app_label in ORCA_APPS
        may_view = orca or role == Role.ADMIN
        may_add = may_view and model not in NEVER_ADD and not (model is User and role == Role.MANAGER)
        obj = one_of_each[model]
        expected = 200 if may_view else 403
        assert client.get(admin_url(model, "changelist")).status_code == expected, model
        assert client.get(admin_url(model, "change", obj.pk)).status_code == expected, model
        add_page = client.get(admin_url(model, "add"))
        assert add_page.status_code == (200 if may_add else 403), model
        assert b"DatabaseDefault" not in add_page.content, model  # no timestamps before the insert


def test_staff_are_sent_to_the_admin_login_from_every_page(staff_client, one_of_each):
    login = reverse("admin:login")
    for model in registered_models():
        for url in (
            admin_url(model, "changelist"),
            admin_url(model, "add"),
            admin_url(model, "change", one_of_each[model].pk),
        ):
            response = staff_client.get(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith(f"{login}?next="), url


def test_manager_sees_a_user_read_only_without_the_password_hash(manager_client, admin_user):
    url = admin_url(User, "change", admin_user.pk)
    page = manager_client.get(url).content.decode()
    assert "View user" in page
    assert "pbkdf2" not in page and "algorithm" not in page
    response = manager_client.post(url, {"email": "hijack@example.com", "role": "staff"})
    assert response.status_code == 403
    admin_user.refresh_from_db()
    assert admin_user.email == "admin@example.com"


def test_admin_adds_a_user_with_a_password_and_a_role(admin_client):
    response = admin_client.post(
        admin_url(User, "add"),
        {
            "email": "New.Manager@Example.com",
            "first_name": "Nia",
            "last_name": "Okafor",
            "phone": "",
            "role": Role.MANAGER,
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="new.manager@example.com")
    assert user.role == Role.MANAGER and user.is_staff
    assert user.check_password("a-long-unusual-passphrase")


def test_adding_a_user_whose_email_exists_in_another_case_is_refused(admin_client, manager_user):
    response = admin_client.post(
        admin_url(User, "add"),
        {
            "email": "MANAGER@example.com",
            "role": Role.STAFF,
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
        },
    )
    assert response.status_code == 200
    assert "A user with this email address already exists." in response.content.decode()
    assert User.objects.filter(email__iexact="manager@example.com").count() == 1


# --- Large lists: no COUNT over the table, few queries ---------------------------------------------

SURNAMES = (
    "Smith",
    "Jones",
    "Garcia",
    "Nguyen",
    "Okafor",
    "Kowalski",
    "Haddad",
    "Larsen",
    "Moreau",
    "Tanaka",
)


@pytest.fixture
def many_persons(manager_user) -> int:
    persons = [
        Person(
            first_name=f"Person{i}",
            last_name=SURNAMES[i % len(SURNAMES)],
            email=f"person{i}@example.com",
            phone=f"+1415555{i:04d}",
            is_lead=i % 3 == 0,
            assigned_to=manager_user if i % 2 else None,
        )
        for i in range(5000)
    ]
    Person.objects.bulk_create(persons, batch_size=1000)
    return len(persons)


def counts_of_whole_table(queries: list[dict]) -> list[str]:
    """COUNT queries that are not a count of a LIMITed subquery."""
    counted = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    capped = re.compile(r"COUNT\(\*\).*FROM \(SELECT .* LIMIT \d+\) subquery", re.IGNORECASE | re.DOTALL)
    return [sql for sql in counted if not capped.search(sql)]


@pytest.mark.parametrize(
    "params",
    [{}, {"is_lead__exact": "1"}, {"q": "smith"}, {"q": "person12"}, {"q": "555 0042"}],
    ids=["unfiltered", "filtered", "search-name", "search-word", "search-phone"],
)
def test_person_changelist_of_5000_persons_counts_no_whole_table_in_few_queries(
    manager_client, many_persons, params, django_assert_max_num_queries
):
    url = admin_url(Person, "changelist")
    # "smith", which nobody here is called, also runs the search's near-spelling check
    # (persons.selectors._any_match: two SET LOCAL and an EXISTS). Bounds, not counts that grow.
    bound = 9 if params.get("q") == "smith" else 8
    with CaptureQueriesContext(connection) as captured, django_assert_max_num_queries(bound):
        response = manager_client.get(url, params)
    assert response.status_code == 200
    assert not counts_of_whole_table(captured.captured_queries)
    assert len(response.context["cl"].result_list) == min(100, response.context["cl"].result_count)


def test_person_search_is_the_staff_apps_search_best_match_first(manager_client, many_persons):
    # The admin searches with persons.selectors.person_search, as the staff app does: any word may
    # match, typos included, and the closest person comes first (the old admin search wanted
    # every word inside a name, so one typo found nobody).
    url = admin_url(Person, "changelist")

    def first_found(query: str) -> str:
        found = manager_client.get(url, {"q": query}).context["cl"].result_list
        return f"{found[0].first_name} {found[0].last_name}" if found else ""

    assert first_found("person1233 NGUYEN") == "Person1233 Nguyen"
    assert first_found("nguyen person1233") == "Person1233 Nguyen"
    assert first_found("persn1233 nguyen") == "Person1233 Nguyen"  # a typo
    assert first_found("person4999@example.com") == "Person4999 Tanaka"
    by_phone = manager_client.get(url, {"q": "(415) 555-4999"}).context["cl"].result_list
    assert [p.first_name for p in by_phone] == ["Person4999"]


def test_person_search_finds_what_the_staff_apps_search_finds(manager_client, many_persons):
    url = admin_url(Person, "changelist")
    for query in ("smiht", "person12", "555 0042", "person7@example"):
        shown = manager_client.get(url, {"q": query}).context["cl"].result_list
        expected = person_search(queryset=Person.objects.all(), query=query).order_by(
            f"-{SEARCH_RANK}", "last_name", "first_name", "id"
        )[:100]
        assert [p.pk for p in shown] == [p.pk for p in expected], query


def test_a_column_sort_replaces_the_best_match_order(manager_client, many_persons):
    url = admin_url(Person, "changelist")
    best_first = manager_client.get(url, {"q": "person12"}).context["cl"]
    assert (best_first.result_list[0].first_name, best_first.result_list[0].last_name) == (
        "Person12",
        "Garcia",
    )
    name_column = best_first.list_display.index("name")  # counted after the action checkbox
    by_name = manager_client.get(url, {"q": "person12", "o": f"-{name_column}"}).context["cl"].result_list
    last_names = [p.last_name for p in by_name]
    assert last_names == sorted(last_names, reverse=True) and last_names[0] == "Tanaka"


def test_big_unfiltered_list_shows_the_planner_estimate_and_runs_no_count(
    manager_client, many_persons, monkeypatch
):
    monkeypatch.setattr(EstimatedCountPaginator, "count_cap", 1000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE persons")  # what autovacuum does for a real table
    with CaptureQueriesContext(connection) as captured:
        response = manager_client.get(admin_url(Person, "changelist"))
    assert not [q for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
    assert re.search(r"about [\d,]+ persons", response.content.decode())
    # The pages reach the first count_cap rows only, so no OFFSET goes deeper.
    assert response.context["cl"].paginator.num_pages == 10


def test_big_filtered_list_shows_a_capped_count(manager_client, many_persons, monkeypatch):
    monkeypatch.setattr(EstimatedCountPaginator, "count_cap", 1000)
    with CaptureQueriesContext(connection) as captured:
        response = manager_client.get(admin_url(Person, "changelist"), {"is_lead__exact": "0"})
    assert "1,000+ persons" in response.content.decode()
    assert any("LIMIT 1001" in q["sql"] for q in captured.captured_queries)


def test_a_hand_made_sort_by_an_unindexed_column_is_ignored(manager_client, many_persons):
    email_column = PersonAdmin.list_display.index("email")
    with CaptureQueriesContext(connection) as captured:
        response = manager_client.get(admin_url(Person, "changelist"), {"o": str(email_column)})
    assert response.status_code == 200
    page_query = next(q["sql"] for q in captured.captured_queries if q["sql"].endswith("LIMIT 100"))
    assert 'ORDER BY "persons"."last_name" ASC, "persons"."first_name" ASC, "persons"."id" ASC' in page_query


def test_small_lists_count_exactly():
    persons = [Person(first_name=f"P{i}") for i in range(3)]
    Person.objects.bulk_create(persons)
    paginator = EstimatedCountPaginator(Person.objects.order_by("pk"), 2)
    assert paginator.count == 3 and not isinstance(paginator.count, ApproximateCount)
    assert paginator.num_pages == 2


def test_an_approximate_count_is_an_int_that_reads_as_its_label():
    count = ApproximateCount(1000, "1,000+")
    assert count + 1 == 1001 and count > 999
    assert str(count) == "1,000+" and f"{count}" == "1,000+"


@pytest.mark.parametrize(
    "model", [LeadExtension, LeadView, Interaction, Relationship, Message], ids=lambda m: m.__name__
)
def test_other_large_changelists_count_no_whole_table(manager_client, one_of_each, model):
    with CaptureQueriesContext(connection) as captured:
        response = manager_client.get(admin_url(model, "changelist"), {"q": "ada"})
    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1
    assert not counts_of_whole_table(captured.captured_queries)


# The changelist filters on interactions, messages and relationships: each is served by an
# index in the list's order, and none counts the whole table.
ROWS = 3000


def rare(i: int, every: int) -> bool:
    return i % every == 0


@pytest.fixture
def recipients() -> list[Person]:
    persons = [
        Person(first_name=f"R{i}", last_name="Lee", email=f"r{i}@example.com", phone=f"+1415556{i:04d}")
        for i in range(100)
    ]
    return Person.objects.bulk_create(persons)


@pytest.fixture
def many_interactions(recipients, manager_user) -> int:
    """Mostly completed calls; one in 50 missed and one in 30 negative, as in a real club."""
    done = timezone.now() - dt.timedelta(days=1)
    rows = [
        Interaction(
            person=recipients[i % len(recipients)],
            user=manager_user,
            interaction_type="call",
            status="missed" if rare(i, 50) else "completed",
            completed_at=None if rare(i, 50) else done,
            sentiment="negative" if rare(i, 30) else "positive",
        )
        for i in range(ROWS)
    ]
    Interaction.objects.bulk_create(rows, batch_size=1000)
    return ROWS


@pytest.fixture
def many_messages(recipients) -> int:
    """Blast emails to every recipient, mostly delivered; one in 50 bounced and one in 30 sent
    one-to-one instead."""
    blasts = BlastFactory.create_batch(ROWS // len(recipients), status="sent")
    sent = timezone.now() - dt.timedelta(days=1)
    rows = [
        Message(
            recipient=recipients[i % len(recipients)],
            message_type="email",
            subject="News",
            content="Hello",
            status="bounced" if rare(i, 50) else "delivered",
            sent_at=sent,
            is_blast=not rare(i, 30),
            blast=None if rare(i, 30) else blasts[i // len(recipients)],
        )
        for i in range(ROWS)
    ]
    Message.objects.bulk_create(rows, batch_size=1000)
    return ROWS


@pytest.fixture
def many_relationships(recipients) -> int:
    """Friendships between the recipients; one in 50 still pending."""
    pairs = [(a, b) for a in recipients for b in recipients if a.pk < b.pk][:ROWS]
    rows = [
        Relationship(
            person_a=a,
            person_b=b,
            relationship_type="friend",
            direction="mutual",
            status="pending" if rare(i, 50) else "active",
        )
        for i, (a, b) in enumerate(pairs)
    ]
    Relationship.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


# (model, the fixture filling its table, the changelist's filter, its index, what the rows have)
LARGE_FILTERS = [
    (
        Interaction,
        "many_interactions",
        {"status__exact": "missed"},
        "interactions_status_idx",
        {"status": "missed"},
    ),
    (
        Interaction,
        "many_interactions",
        {"sentiment": "negative"},
        "interactions_negative_idx",
        {"sentiment": "negative"},
    ),
    (Message, "many_messages", {"status__exact": "bounced"}, "messages_status_idx", {"status": "bounced"}),
    (Message, "many_messages", {"one_to_one": "1"}, "messages_one_to_one_idx", {"is_blast": False}),
    (
        Relationship,
        "many_relationships",
        {"status__exact": "pending"},
        "rel_status_idx",
        {"status": "pending"},
    ),
]


def fill_and_analyze(request, fixture: str, model) -> None:
    request.getfixturevalue(fixture)
    with connection.cursor() as cursor:
        cursor.execute(f'ANALYZE "{model._meta.db_table}"')  # what autovacuum does for a real table


def explain(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(line for (line,) in cursor.fetchall())


@pytest.mark.parametrize(
    ("model", "fixture", "params", "index", "expected"), LARGE_FILTERS, ids=[f[3] for f in LARGE_FILTERS]
)
def test_each_large_table_filter_reads_its_index_and_counts_no_whole_table(
    request, manager_client, model, fixture, params, index, expected, django_assert_max_num_queries
):
    fill_and_analyze(request, fixture, model)
    with CaptureQueriesContext(connection) as captured, django_assert_max_num_queries(8):
        response = manager_client.get(admin_url(model, "changelist"), params)
    assert response.status_code == 200
    assert not counts_of_whole_table(captured.captured_queries)
    cl = response.context["cl"]
    assert cl.result_count == model.objects.filter(**expected).count() > 0
    assert all(getattr(row, name) == value for row in cl.result_list for name, value in expected.items())
    # The rows' query (no LIMIT when they fit on one page), not the capped count.
    rows_query = next(
        q["sql"]
        for q in captured.captured_queries
        if f'FROM "{model._meta.db_table}"' in q["sql"]
        and "ORDER BY" in q["sql"]
        and "COUNT(" not in q["sql"].upper()
    )
    assert index in explain(rows_query)


@pytest.mark.parametrize(
    ("model", "fixture", "common"),
    [
        (Interaction, "many_interactions", {"status__exact": "completed"}),
        (Message, "many_messages", {"status__exact": "delivered"}),
    ],
    ids=["interactions", "messages"],
)
def test_large_changelists_of_thousands_estimate_or_cap_their_count(
    request, manager_client, model, fixture, common, monkeypatch, django_assert_max_num_queries
):
    fill_and_analyze(request, fixture, model)
    monkeypatch.setattr(EstimatedCountPaginator, "count_cap", 1000)
    url = admin_url(model, "changelist")
    with CaptureQueriesContext(connection) as captured, django_assert_max_num_queries(8):
        response = manager_client.get(url)
    assert not [q for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
    assert re.search(r"about [\d,]+ ", response.content.decode())
    # A common value: thousands of rows match, counted up to the cap only.
    with CaptureQueriesContext(connection) as captured, django_assert_max_num_queries(8):
        response = manager_client.get(url, common)
    assert not counts_of_whole_table(captured.captured_queries)
    assert "1,000+" in response.content.decode() and len(response.context["cl"].result_list) == 100


@pytest.mark.parametrize(
    ("model", "offered", "not_offered"),
    [
        (Interaction, {"status", "sentiment", "user"}, {"interaction_type"}),
        (Message, {"status", "one_to_one", "blast"}, {"message_type", "is_blast"}),
        (Relationship, {"status", "relationship_type"}, {"referral_channel"}),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else "",
)
def test_large_changelists_offer_only_the_filters_an_index_serves(
    manager_client, one_of_each, model, offered, not_offered
):
    page = manager_client.get(admin_url(model, "changelist")).content.decode()
    links = set(re.findall(r'href="\?([a-z_]+?)(?:__[a-z_]+)?=', page))
    assert offered <= links
    assert not (not_offered & links)


def test_person_autocomplete_searches_through_the_admin_search(manager_client, one_of_each):
    response = manager_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "interactions", "model_name": "interaction", "field_name": "person", "term": "ada"},
    )
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [str(one_of_each[Person].pk)]


# --- Bulk actions on persons ----------------------------------------------------------------------


@pytest.fixture
def three_persons(manager_user) -> list[Person]:
    return [RolePersonFactory(actor=manager_user, first_name=name, tags=[]) for name in ("Ann", "Ben", "Cy")]


def run_action(client, action: str, persons, **values):
    data = {"action": action, "_selected_action": [str(p.pk) for p in persons], **values}
    return client.post(admin_url(Person, "changelist"), data, follow=True)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
def test_the_person_admin_offers_no_delete_selected_action(client, role, three_persons):
    client.force_login(UserFactory(role=role))
    page = client.get(admin_url(Person, "changelist"))
    offered = [value for value, _ in page.context["action_form"].fields["action"].choices]
    assert "assign_to_user" in offered and "delete_selected" not in offered
    # Nor by a hand-made post, even for everyone at once.
    data = {"action": "delete_selected", "select_across": "1", "_selected_action": [str(three_persons[0].pk)]}
    response = client.post(admin_url(Person, "changelist"), {**data, "post": "yes"}, follow=True)
    assert "No action selected." in messages_of(response)
    assert Person.objects.count() == 3


def test_bulk_assign_assigns_the_chosen_user(manager_client, three_persons, staff_user):
    response = run_action(manager_client, "assign_to_user", three_persons[:2], user=str(staff_user.pk))
    assert "Assigned 2 persons to Staff." in messages_of(response)
    assigned = set(Person.objects.filter(assigned_to=staff_user).values_list("first_name", flat=True))
    assert assigned == {"Ann", "Ben"}


def test_bulk_assign_without_a_user_says_so_and_writes_nothing(manager_client, three_persons):
    before = list(Person.objects.order_by("pk").values_list("assigned_to", "updated_at"))
    response = run_action(manager_client, "assign_to_user", three_persons, user="")
    assert "Choose the user to assign the persons to." in messages_of(response)
    response = run_action(manager_client, "assign_to_user", three_persons, user="not-a-user")
    assert "User: “not-a-user” is not a valid UUID." in messages_of(response)
    response = run_action(manager_client, "assign_to_user", three_persons, user=str(uuid.uuid4()))
    assert any(m.startswith("User: Select a valid choice.") for m in messages_of(response))
    assert list(Person.objects.order_by("pk").values_list("assigned_to", "updated_at")) == before


def test_bulk_tagging_adds_and_removes_a_tag(manager_client, three_persons):
    response = run_action(manager_client, "add_tag", three_persons, tag="  VIP ")
    assert any(m.startswith("Tagged 3 persons “vip”") for m in messages_of(response))
    assert all(p.tags == ["vip"] for p in Person.objects.all())
    run_action(manager_client, "remove_tag", three_persons[:1], tag="vip")
    assert Person.objects.get(first_name="Ann").tags == []


@pytest.mark.parametrize(
    ("tag", "message"),
    [
        ("", "Type the tag to add."),
        ("x" * 51, "Tag: Ensure this value has at most 50 characters (it has 51)."),
    ],
)
def test_bulk_tagging_with_a_bad_tag_says_so_and_writes_nothing(manager_client, three_persons, tag, message):
    response = run_action(manager_client, "add_tag", three_persons, tag=tag)
    assert message in messages_of(response)
    assert all(p.tags == [] for p in Person.objects.all())


def test_bulk_do_not_contact_sets_and_clears_the_date(manager_client, three_persons):
    until = (timezone.localtime() + dt.timedelta(days=30)).replace(second=0, microsecond=0)
    response = run_action(
        manager_client, "set_do_not_contact", three_persons, until=until.strftime("%Y-%m-%dT%H:%M")
    )
    assert any("will not be contacted until" in m for m in messages_of(response))
    assert set(Person.objects.values_list("do_not_contact_until", flat=True)) == {until}
    run_action(manager_client, "clear_do_not_contact", three_persons)
    assert set(Person.objects.values_list("do_not_contact_until", flat=True)) == {None}


@pytest.mark.parametrize(
    ("until", "message"),
    [
        ("", "Choose the date and time until which the persons must not be contacted."),
        ("next tuesday", "Until: Enter a valid date/time."),
        ("2001-01-01T09:00", "Until: choose a moment in the future."),
    ],
)
def test_bulk_do_not_contact_with_a_bad_date_says_so_and_writes_nothing(
    manager_client, three_persons, until, message
):
    response = run_action(manager_client, "set_do_not_contact", three_persons, until=until)
    assert message in messages_of(response)
    assert set(Person.objects.values_list("do_not_contact_until", flat=True)) == {None}


def test_bulk_actions_apply_to_every_match_when_all_are_selected(manager_client, three_persons, staff_user):
    data = {
        "action": "assign_to_user",
        "select_across": "1",
        "_selected_action": [str(three_persons[0].pk)],
        "user": str(staff_user.pk),
    }
    manager_client.post(admin_url(Person, "changelist") + "?q=ann", data)
    manager_client.post(admin_url(Person, "changelist"), {**data, "action": "add_tag", "tag": "all"})
    assert list(Person.objects.filter(assigned_to=staff_user).values_list("first_name", flat=True)) == ["Ann"]
    assert Person.objects.filter(tags__contains=["all"]).count() == 3


# --- Saving a person: fields, roles and statuses through the services -----------------------------


class FormReader(HTMLParser):
    """What a browser would post from the page's admin form (not the logout form)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.data: dict[str, list[str]] = {}
        self._in_form = False
        self._select: tuple[str, list[str], list[str]] | None = None
        self._option: str | None = None
        self._textarea: str | None = None

    def _add(self, name, value):
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._in_form = a.get("id", "").endswith("_form")
        if not self._in_form or "name" not in a and tag in ("input", "select", "textarea"):
            return
        if tag == "input" and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self._add(a["name"], a.get("value", "on" if a.get("type") in ("checkbox", "radio") else ""))
        elif tag == "select":
            self._select = (a["name"], [], [])
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._select[1].append(value)
            if "selected" in a:
                self._select[2].append(value)
        elif tag == "textarea":
            self._textarea = a["name"]
            self._add(self._textarea, "")

    def handle_data(self, data):
        if self._textarea is not None:
            self.data[self._textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "select" and self._select is not None:
            name, options, selected = self._select
            for value in selected or options[:1]:
                self._add(name, value)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            value = self.data[self._textarea][-1]
            self.data[self._textarea][-1] = value[1:] if value.startswith("\n") else value
            self._textarea = None


def form_data(client, url: str) -> dict[str, list[str]]:
    response = client.get(url)
    assert response.status_code == 200
    reader = FormReader()
    reader.feed(response.content.decode())
    return reader.data


def tick(data: dict, name: str, on: bool) -> dict:
    if on:
        data[name] = ["on"]
    else:
        data.pop(name, None)
    return data


@pytest.fixture
def person(manager_user) -> Person:
    return RolePersonFactory(actor=manager_user, first_name="Grace", last_name="Hopper")


def test_saving_a_person_changes_fields_through_the_service(manager_client, person):
    url = admin_url(Person, "change", person.pk)
    data = form_data(manager_client, url)
    data["first_name"] = ["Amazing Grace"]
    data["phone"] = ["(415) 555-0100"]
    response = manager_client.post(url, data)
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.first_name == "Amazing Grace"
    assert person.phone == "+14155550100"  # normalised on save


def test_ticking_lead_creates_exactly_one_lead_extension_and_unticking_keeps_it(manager_client, person):
    url = admin_url(Person, "change", person.pk)
    response = manager_client.post(url, tick(form_data(manager_client, url), "is_lead", True))
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.is_lead
    assert LeadExtension.objects.filter(person=person).count() == 1
    # Saving again with the role still ticked (the inline now shows) adds nothing.
    response = manager_client.post(url, form_data(manager_client, url))
    assert response.status_code == 302
    assert LeadExtension.objects.filter(person=person).count() == 1

    response = manager_client.post(url, tick(form_data(manager_client, url), "is_lead", False))
    assert response.status_code == 302
    person.refresh_from_db()
    assert not person.is_lead
    assert LeadExtension.objects.filter(person=person).count() == 1


def test_adding_a_person_with_a_role_creates_its_extension(manager_client):
    data = form_data(manager_client, admin_url(Person, "add"))
    data.update(first_name=["Katherine"], last_name=["Johnson"], is_member=["on"])
    response = manager_client.post(admin_url(Person, "add"), data)
    assert response.status_code == 302
    person = Person.objects.get(first_name="Katherine")
    assert person.is_member and person.profile_completeness > 0
    assert MemberExtension.objects.filter(person=person).count() == 1
    assert not LeadExtension.objects.filter(person=person).exists()


def test_changing_the_lead_status_inline_appends_to_the_history(manager_client, manager_user, person):
    person_set_roles(person=person, roles={"lead"}, actor=manager_user)
    url = admin_url(Person, "change", person.pk)
    data = form_data(manager_client, url)
    assert data["lead-0-lead_status"] == ["new"]
    data["lead-0-lead_status"] = ["contacted"]
    data["lead-0-status_note"] = ["Called back, wants a tour"]
    data["lead-0-readiness_score"] = ["70"]
    response = manager_client.post(url, data)
    assert response.status_code == 302
    lead = LeadExtension.objects.get(person=person)
    assert lead.lead_status == "contacted" and lead.readiness_score == 70
    assert [e["status"] for e in lead.status_history] == ["new", "contacted"]
    assert lead.status_history[-1]["note"] == "Called back, wants a tour"
    assert lead.status_history[-1]["by"] == str(manager_user.pk)
    assert "new" in lead.stage_duration_days


def test_an_illegal_status_is_a_form_error_and_writes_nothing(manager_client, manager_user, person):
    person_set_roles(person=person, roles={"lead"}, actor=manager_user)
    url = admin_url(Person, "change", person.pk)
    data = form_data(manager_client, url)
    data["lead-0-lead_status"] = ["signed_in_blood"]
    data["first_name"] = ["Changed"]
    response = manager_client.post(url, data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    person.refresh_from_db()
    assert person.first_name == "Grace"
    assert LeadExtension.objects.get(person=person).status_history[-1]["status"] == "new"


def test_a_status_change_while_dropping_the_role_is_refused(manager_client, manager_user, person):
    person_set_roles(person=person, roles={"lead"}, actor=manager_user)
    url = admin_url(Person, "change", person.pk)
    data = tick(form_data(manager_client, url), "is_lead", False)
    data["lead-0-lead_status"] = ["contacted"]
    response = manager_client.post(url, data)
    assert response.status_code == 200
    assert "Save the role change and the lead changes separately." in response.content.decode()
    person.refresh_from_db()
    assert person.is_lead
    assert LeadExtension.objects.get(person=person).lead_status == "new"


def test_a_dropped_role_shows_its_data_read_only(manager_client, manager_user, person):
    person_set_roles(person=person, roles={"lead"}, actor=manager_user)
    person_set_roles(person=person, roles=set(), actor=manager_user)
    page = manager_client.get(admin_url(Person, "change", person.pk)).content.decode()
    assert "Status history" in page
    assert 'name="lead-0-lead_status"' not in page


def test_a_note_without_a_status_change_is_a_form_error(manager_client, manager_user, person):
    person_set_roles(person=person, roles={"lead"}, actor=manager_user)
    url = admin_url(Person, "change", person.pk)
    data = form_data(manager_client, url)
    data["lead-0-status_note"] = ["Just a thought"]
    response = manager_client.post(url, data)
    assert response.status_code == 200
    assert "A note is saved with a new status" in response.content.decode()


def test_a_save_over_someone_elses_change_is_refused_with_the_input_kept(manager_client, person):
    url = admin_url(Person, "change", person.pk)
    data = form_data(manager_client, url)
    Person.objects.filter(pk=person.pk).update(last_name="Hopper-Murray", updated_at=timezone.now())
    data["first_name"] = ["Amazing Grace"]
    response = manager_client.post(url, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "after you opened this form" in page
    assert 'value="Amazing Grace"' in page
    person.refresh_from_db()
    assert (person.first_name, person.last_name) == ("Grace", "Hopper-Murray")


def test_an_admin_post_cannot_create_an_extension(admin_client, person):
    response = admin_client.post(
        admin_url(LeadExtension, "add"), {"person": str(person.pk), "lead_status": "new"}
    )
    assert response.status_code == 403
    # Nor as an extra inline form on the person's page.
    url = admin_url(Person, "change", person.pk)
    data = form_data(admin_client, url)
    data.update(
        {
            "lead-TOTAL_FORMS": ["1"],
            "lead-INITIAL_FORMS": ["0"],
            "lead-0-lead_status": ["new"],
            "lead-0-lead_temperature": ["hot"],
            "lead-0-person": [str(person.pk)],
        }
    )
    admin_client.post(url, data)
    assert not LeadExtension.objects.filter(person=person).exists()
    person.refresh_from_db()
    assert not person.is_lead


def test_the_extension_admin_changes_status_through_the_service(manager_client, manager_user, person):
    person_set_roles(person=person, roles={"member"}, actor=manager_user)
    url = admin_url(MemberExtension, "change", person.member.pk)
    data = form_data(manager_client, url)
    data["membership_status"] = ["active"]
    data["status_note"] = ["Paid the first month"]
    response = manager_client.post(url, data)
    assert response.status_code == 302
    member = MemberExtension.objects.get(person=person)
    assert [e["status"] for e in member.status_history] == ["pending", "active"]
    assert member.status_history[-1]["note"] == "Paid the first month"


def test_the_person_change_page_runs_a_bounded_number_of_queries(
    manager_client, manager_user, person, django_assert_max_num_queries
):
    person_set_roles(person=person, roles={"lead", "referral", "member"}, actor=manager_user)
    extension_change_status(person=person, role="lead", status="contacted", actor=manager_user)
    with django_assert_max_num_queries(15):
        response = manager_client.get(admin_url(Person, "change", person.pk))
    assert response.status_code == 200


def test_the_role_views_are_read_only(manager_client, one_of_each):
    view = one_of_each[LeadView]
    url = admin_url(LeadView, "change", view.pk)
    page = manager_client.get(url).content.decode()
    assert "View lead view" in page and 'name="_save"' not in page
    assert reverse("admin:persons_person_change", args=[view.pk]) in page
    assert manager_client.post(url, {"lead_status": "won"}).status_code == 403
    assert LeadExtension.objects.get(pk=one_of_each[LeadExtension].pk).lead_status == "new"


# --- status_history, readable -------------------------------------------------------------------


def test_status_history_names_who_did_it_in_one_query(django_assert_num_queries):
    first, second = (
        UserFactory(first_name="Sam", last_name="Reyes"),
        UserFactory(first_name="Lee", last_name="Kim"),
    )
    history = [
        {"status": "new", "at": "2026-01-01T09:00:00+00:00", "by": None, "note": "Imported"},
        {"status": "contacted", "at": "2026-01-02T09:00:00+00:00", "by": str(first.pk), "note": ""},
        {
            "status": "qualified",
            "at": "2026-01-03T09:00:00+00:00",
            "by": str(second.pk),
            "note": "<b>keen</b>",
        },
        {"status": "tour_scheduled", "at": "2026-01-04T09:00:00+00:00", "by": str(first.pk), "note": ""},
    ]
    with django_assert_num_queries(1):
        html = status_history_html(history, LeadStatus)
    assert html.count("<tr>") == 5
    assert "Tour scheduled" in html and "Sam Reyes" in html and "Lee Kim" in html and "system" in html
    assert "&lt;b&gt;keen&lt;/b&gt;" in html


def test_status_history_in_the_admin_reads_a_hand_edited_history_as_the_staff_app_does():
    # The admin renders extensions.selectors.status_history_rows, the staff app's reading: entries
    # an import or a hand edit left behind show as written instead of breaking the page.
    history = [
        {"status": "new", "at": "last spring", "by": "import", "note": "From the old CRM"},
        "not an entry",
        {"status": "contacted", "at": "2026-01-02T09:00:00", "by": str(uuid.uuid4())},
        {"status": "won_somehow", "at": "2026-13-40T09:00:00+00:00", "by": None},
    ]
    rows = status_history_rows(history, statuses=LeadStatus)
    html = status_history_html(history, LeadStatus)
    assert html.count("<tr>") == 1 + len(rows) == 4
    assert "last spring" in html and "import" in html and "From the old CRM" in html
    assert "a removed user" in html and "won_somehow" in html and "system" in html
    assert "Jan. 2, 2026" in html  # a time without a zone is taken as UTC


# --- The other apps' writes go through their services ---------------------------------------------


def test_adding_a_referral_in_the_admin_records_it_through_the_service(manager_client, manager_user):
    referrer = RolePersonFactory(roles={"member"}, actor=manager_user)
    referred = RolePersonFactory(actor=manager_user)
    data = form_data(manager_client, admin_url(Relationship, "add"))
    data.update(
        person_a=[str(referrer.pk)],
        person_b=[str(referred.pk)],
        relationship_type=["referral"],
        attribution_percentage=["100"],
        is_primary_referrer=["on"],
    )
    assert manager_client.post(admin_url(Relationship, "add"), data).status_code == 302
    tie = Relationship.objects.get(person_b=referred)
    assert tie.relationship_level == 1 and tie.direction == "a_to_b"
    assert MemberExtension.objects.get(person=referrer).referral_count == 1
    # A second primary referrer: the service refuses, and the form comes back saying why.
    other = RolePersonFactory(actor=manager_user)
    data["person_a"] = [str(other.pk)]
    response = manager_client.post(admin_url(Relationship, "add"), data)
    assert response.status_code == 200
    assert "already has a primary referrer" in response.content.decode()
    assert Relationship.objects.filter(person_b=referred).count() == 1


def test_logging_an_interaction_in_the_admin_moves_last_contacted(manager_client, manager_user, person):
    data = form_data(manager_client, admin_url(Interaction, "add"))
    assert data["user"] == [str(manager_user.pk)]
    data.update(
        person=[str(person.pk)], interaction_type=["call"], status=["completed"], subject=["Intro call"]
    )
    assert manager_client.post(admin_url(Interaction, "add"), data).status_code == 302
    person.refresh_from_db()
    assert person.last_contacted is not None
    interaction = Interaction.objects.get(person=person)
    url = admin_url(Interaction, "delete", interaction.pk)
    assert manager_client.post(url, {"post": "yes"}).status_code == 302
    person.refresh_from_db()
    assert person.last_contacted is None


def test_a_message_template_with_a_syntax_error_is_refused(manager_client, manager_user):
    data = {"name": "Welcome", "message_type": "email", "subject": "Hi", "content": "{% if person %}Hi"}
    response = manager_client.post(admin_url(MessageTemplate, "add"), data)
    assert response.status_code == 200
    assert "syntax error" in response.content.decode()
    data["content"] = "Hi {{ person.first_name }}"
    assert manager_client.post(admin_url(MessageTemplate, "add"), data).status_code == 302
    assert MessageTemplate.objects.get(name="Welcome").created_by == manager_user


def test_staff_cannot_reach_the_admin_by_post_either(staff_client, person):
    response = staff_client.post(admin_url(Person, "change", person.pk), {"first_name": "Hacked"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.first_name == "Grace"


def test_extensions_and_messages_cannot_be_deleted_or_edited_by_hand(admin_client, one_of_each):
    lead = one_of_each[LeadExtension]
    assert admin_client.post(admin_url(LeadExtension, "delete", lead.pk), {"post": "yes"}).status_code == 403
    assert LeadExtension.objects.filter(pk=lead.pk).exists()
    message = one_of_each[Message]
    assert (
        admin_client.post(admin_url(Message, "change", message.pk), {"status": "queued"}).status_code == 403
    )
    assert admin_client.post(admin_url(Message, "delete", message.pk), {"post": "yes"}).status_code == 403
    assert Message.objects.get(pk=message.pk).status == "delivered"


def test_a_blast_is_not_marked_sent_by_hand(manager_client, one_of_each):
    blast = one_of_each[Blast]
    url = admin_url(Blast, "change", blast.pk)
    page = manager_client.get(url)
    offered = {value for value, _ in page.context["adminform"].form.fields["status"].choices}
    assert offered == {"draft", "scheduled", "cancelled"}
    data = form_data(manager_client, url)
    data["status"] = ["sent"]
    response = manager_client.post(url, data)
    assert response.status_code == 200
    assert "Select a valid choice. sent is not one of the available choices." in response.content.decode()
    assert Blast.objects.get(pk=blast.pk).status == "draft"


def local_split(when: dt.datetime) -> tuple[str, str]:
    """A datetime as the admin's split date and time inputs take it."""
    local = timezone.localtime(when)
    return local.strftime("%Y-%m-%d"), local.strftime("%H:%M:%S")


def test_a_blast_added_in_the_admin_is_checked_and_created_by_the_service(manager_client, manager_user):
    url = admin_url(Blast, "add")
    data = form_data(manager_client, url)
    yesterday = local_split(timezone.now() - dt.timedelta(days=1))
    data.update(
        name=["Spring challenge"],
        message_type=["email"],
        subject=["Join the challenge"],
        content=["Hi {{ person.first_name }}"],
        segment=["{}"],
        status=["scheduled"],
        scheduled_at_0=[yesterday[0]],
        scheduled_at_1=[yesterday[1]],
    )
    response = manager_client.post(url, data)
    assert response.status_code == 200
    assert "A scheduled blast needs a time in the future" in response.content.decode()
    assert not Blast.objects.exists()
    tomorrow = local_split(timezone.now() + dt.timedelta(days=1))
    data.update(scheduled_at_0=[tomorrow[0]], scheduled_at_1=[tomorrow[1]])
    assert manager_client.post(url, data).status_code == 302
    blast = Blast.objects.get()
    assert (blast.status, blast.created_by) == ("scheduled", manager_user)


def test_a_blast_edited_in_the_admin_goes_through_the_service(manager_client, one_of_each):
    blast = one_of_each[Blast]
    url = admin_url(Blast, "change", blast.pk)
    data = form_data(manager_client, url)
    data.update(template=[str(MessageTemplateFactory(message_type="sms", subject="").pk)])
    response = manager_client.post(url, data)
    assert response.status_code == 200
    assert "The template is for another channel than the blast." in response.content.decode()
    assert Blast.objects.get(pk=blast.pk).template == one_of_each[MessageTemplate]
    data = form_data(manager_client, url)
    data.update(content=["Hi {{ person.first_name }}, doors open at six."])
    assert manager_client.post(url, data).status_code == 302
    assert Blast.objects.get(pk=blast.pk).content == "Hi {{ person.first_name }}, doors open at six."


def test_a_template_edited_in_the_admin_is_checked_by_the_service_beside_the_field(
    manager_client, one_of_each
):
    template = one_of_each[MessageTemplate]
    url = admin_url(MessageTemplate, "change", template.pk)
    data = form_data(manager_client, url)
    data["content"] = ["Hi {% if person %}there"]
    response = manager_client.post(url, data)
    assert response.status_code == 200
    assert "Template syntax error" in str(response.context["adminform"].form.errors["content"])
    assert MessageTemplate.objects.get(pk=template.pk).content == template.content
    data["content"] = ["Hi {{ person.first_name }}, see you soon."]
    assert manager_client.post(url, data).status_code == 302
    assert MessageTemplate.objects.get(pk=template.pk).content == "Hi {{ person.first_name }}, see you soon."


def test_completing_an_interaction_in_the_admin_keeps_the_persons_contact_dates(
    manager_client, manager_user, person
):
    planned = interaction_schedule(
        person=person,
        user=manager_user,
        interaction_type="tour",
        scheduled_at=timezone.now() + dt.timedelta(days=2),
    )
    url = admin_url(Interaction, "change", planned.pk)
    data = form_data(manager_client, url)
    data["status"] = ["completed"]
    tomorrow = local_split(timezone.now() + dt.timedelta(days=1))
    data.update(completed_at_0=[tomorrow[0]], completed_at_1=[tomorrow[1]])
    response = manager_client.post(url, data)
    assert response.status_code == 200
    assert "cannot be completed in the future" in str(
        response.context["adminform"].form.errors["completed_at"]
    )
    assert Interaction.objects.get(pk=planned.pk).status == "scheduled"
    data.update(completed_at_0=[""], completed_at_1=[""])  # left empty: completed now
    assert manager_client.post(url, data).status_code == 302
    person.refresh_from_db()
    assert person.last_contacted == Interaction.objects.get(pk=planned.pk).completed_at
    assert person.next_scheduled_contact is None


def test_a_referral_edited_in_the_admin_has_its_credit_checked_again(manager_client, manager_user):
    first, second, referred = (RolePersonFactory(actor=manager_user) for _ in range(3))
    ReferralFactory(person_a=first, person_b=referred, attribution_percentage=60, actor=manager_user)
    tie = ReferralFactory(
        person_a=second,
        person_b=referred,
        attribution_percentage=40,
        is_primary_referrer=False,
        actor=manager_user,
    )
    url = admin_url(Relationship, "change", tie.pk)
    data = form_data(manager_client, url)
    assert "person_a" not in data and "relationship_type" not in data  # the tie itself is read-only
    data["attribution_percentage"] = ["50"]
    response = manager_client.post(url, data)
    assert response.status_code == 200
    assert "lower the attribution to at most 40%" in response.content.decode()
    assert Relationship.objects.get(pk=tie.pk).attribution_percentage == 40
    data["attribution_percentage"] = ["30"]
    data["notes"] = ["Brought a friend to the open day"]
    assert manager_client.post(url, data).status_code == 302
    saved = Relationship.objects.get(pk=tie.pk)
    assert (saved.attribution_percentage, saved.notes) == (30, "Brought a friend to the open day")


def test_a_manager_deletes_a_person_and_their_role_data(manager_client, one_of_each):
    person = one_of_each[Person]
    response = manager_client.post(admin_url(Person, "delete", person.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not Person.objects.filter(pk=person.pk).exists()
    assert not LeadExtension.objects.filter(person_id=person.pk).exists()


def test_an_extension_save_over_someone_elses_change_is_refused(manager_client, manager_user, person):
    person_set_roles(person=person, roles={"lead"}, actor=manager_user)
    url = admin_url(LeadExtension, "change", person.lead.pk)
    data = form_data(manager_client, url)
    extension_change_status(person=person, role="lead", status="qualified", actor=manager_user)
    data["readiness_score"] = ["90"]
    response = manager_client.post(url, data)
    assert response.status_code == 200
    assert "changed by someone else" in response.content.decode()
    assert LeadExtension.objects.get(person=person).readiness_score is None
