"""The person page: header, role sections, relationships, timeline, access and query counts."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.contrib.auth.context_processors import PermWrapper
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from extensions.models import LeadExtension
from extensions.services import extension_change_status, person_set_roles
from interactions.models import Interaction
from messaging.models import Message
from persons.models import Person
from relationships.models import Relationship

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
START = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)


def make_person(first_name: str = "Ada", last_name: str = "Lovelace", **fields) -> Person:
    return Person.objects.create(first_name=first_name, last_name=last_name, **fields)


def detail_url(person: Person) -> str:
    return reverse("persons:detail", args=[person.pk])


def add_interactions(person: Person, count: int, *, start: dt.datetime = START, user=None) -> list:
    """`count` interactions one minute apart, oldest first (created_at set after the insert,
    since auto_now_add would overwrite it)."""
    rows = Interaction.objects.bulk_create(
        Interaction(person=person, user=user, interaction_type="call", subject=f"Call {i}")
        for i in range(count)
    )
    for i, row in enumerate(rows):
        row.created_at = start + dt.timedelta(minutes=i)
        Interaction.objects.filter(pk=row.pk).update(created_at=row.created_at)
    return rows


def add_messages(person: Person, count: int, *, start: dt.datetime = START, sender=None) -> list:
    rows = Message.objects.bulk_create(
        Message(recipient=person, sender=sender, message_type="email", subject=f"Email {i}", content="Hi")
        for i in range(count)
    )
    for i, row in enumerate(rows):
        row.created_at = start + dt.timedelta(minutes=i, seconds=30)
        Message.objects.filter(pk=row.pk).update(created_at=row.created_at)
    return rows


def add_referred(referrer: Person, count: int) -> list[Person]:
    referred = Person.objects.bulk_create(
        Person(first_name=f"Friend{i}", last_name="Of") for i in range(count)
    )
    Relationship.objects.bulk_create(
        Relationship(
            person_a=referrer, person_b=friend, relationship_type="referral", attribution_percentage=100
        )
        for friend in referred
    )
    return referred


# --- Access ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("client_name", ["staff_client", "manager_client", "admin_client"])
def test_person_page_renders_for_every_role(request, client_name):
    client = request.getfixturevalue(client_name)
    person = make_person()
    response = client.get(detail_url(person))
    assert response.status_code == 200
    assert "Ada Lovelace" in response.text


def test_anonymous_visitor_is_sent_to_sign_in(client):
    person = make_person()
    response = client.get(detail_url(person))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_unknown_person_is_404(staff_client):
    assert staff_client.get(reverse("persons:detail", args=[uuid.uuid4()])).status_code == 404


def test_staff_sees_edit_controls_only_on_persons_they_may_edit(staff_client, staff_user, other_staff_user):
    mine = make_person(assigned_to=staff_user)
    theirs = make_person(first_name="Grace", last_name="Hopper", assigned_to=other_staff_user)
    own_page = staff_client.get(detail_url(mine)).text
    other_page = staff_client.get(detail_url(theirs)).text
    assert reverse("persons:section_edit", args=[mine.pk, "profile"]) in own_page
    assert reverse("persons:roles", args=[mine.pk]) in own_page
    assert reverse("persons:section_edit", args=[theirs.pk, "profile"]) not in other_page
    assert reverse("persons:roles", args=[theirs.pk]) not in other_page
    # Staff never see the delete link; managers do.
    assert reverse("persons:delete", args=[mine.pk]) not in own_page


def test_manager_sees_delete_link(manager_client):
    person = make_person()
    assert reverse("persons:delete", args=[person.pk]) in manager_client.get(detail_url(person)).text


# --- Header ----------------------------------------------------------------------------------------


def test_header_shows_contact_details_consent_owner_and_completeness(staff_client, other_staff_user):
    person = make_person(
        email="ada@example.com",
        phone="(202) 555-0123",
        secondary_phone="+44 20 7946 0958",
        email_opt_in=True,
        sms_opt_in=False,
        assigned_to=other_staff_user,
    )
    person_set_roles(person=person, roles={"lead", "member"}, actor=None)
    html = staff_client.get(detail_url(person)).text
    assert 'href="tel:+12025550123"' in html
    assert "(202) 555-0123" in html  # national format for the club's own region
    assert "+44 20 7946 0958" in html  # international for others
    assert 'href="mailto:ada@example.com"' in html
    assert "Email: yes" in html and "SMS: no" in html
    assert f"<dd>{other_staff_user}</dd>" in html
    person.refresh_from_db()
    assert f'value="{person.profile_completeness}"' in html
    assert f"{person.profile_completeness}% complete" in html
    assert "badge--lead" in html and "badge--member" in html and "badge--referral" not in html
    assert "<strong>Do not contact</strong>" not in html and "Contact blocked" not in html


def test_header_makes_a_contact_block_plain(staff_client):
    until = timezone.now() + dt.timedelta(days=10)
    person = make_person(do_not_contact_until=until, email_opt_in=True)
    html = staff_client.get(detail_url(person)).text
    assert "<strong>Do not contact</strong> until" in html
    assert "Contact blocked" in html


def test_a_contact_block_in_the_past_is_not_shown_as_active(staff_client):
    person = make_person(do_not_contact_until=timezone.now() - dt.timedelta(days=1))
    html = staff_client.get(detail_url(person)).text
    assert "Contact blocked" not in html
    assert "(passed)" in html


# --- Role sections and relationships --------------------------------------------------------------


def test_role_sections_show_their_data_and_a_readable_status_history(staff_client, manager_user):
    person = make_person()
    person_set_roles(person=person, roles={"lead", "referral", "member"}, actor=manager_user, at=START)
    extension_change_status(
        person=person,
        role="lead",
        status="qualified",
        actor=manager_user,
        note="Keen on classes",
        at=START + dt.timedelta(days=1),
    )
    html = staff_client.get(detail_url(person)).text
    for section in ("section-lead", "section-referral", "section-member"):
        assert f'id="{section}"' in html
    assert "Status history (2)" in html
    assert "Qualified" in html and "Keen on classes" in html
    assert f"by {manager_user}" in html
    assert "6 Jan 2026, 09:00" in html


def test_a_status_history_written_by_an_import_or_by_hand_still_shows(staff_client, manager_user):
    person = make_person()
    person_set_roles(person=person, roles={"lead"}, actor=manager_user, at=START)
    LeadExtension.objects.filter(person=person).update(
        status_history=[
            {"status": "new", "at": "2025-12-01T08:00:00", "by": "import", "note": "From the old CRM"},
            {"status": "contacted", "at": "sometime", "by": 7},
            {"status": "qualified", "at": START.isoformat(), "by": str(manager_user.pk)},
        ]
    )

    response = staff_client.get(detail_url(person))

    assert response.status_code == 200
    assert "Status history (3)" in response.text
    assert "From the old CRM" in response.text
    assert f"by {manager_user}" in response.text


def test_the_page_leaves_djangos_perms_alone(manager_client):
    person = make_person()

    response = manager_client.get(detail_url(person))

    # `perms` is the auth context processor's (the user's model permissions); the page's are apart.
    assert isinstance(response.context["perms"], PermWrapper)
    assert response.context["person_perms"].can_delete


def test_a_role_not_held_has_no_section(staff_client):
    person = make_person()
    person_set_roles(person=person, roles={"lead"}, actor=None)
    html = staff_client.get(detail_url(person)).text
    assert 'id="section-lead"' in html
    assert 'id="section-member"' not in html
    assert staff_client.get(reverse("persons:section", args=[person.pk, "member"]), **HTMX).status_code == 404


def test_relationships_show_referrers_with_attribution_and_whom_they_referred(staff_client):
    person = make_person()
    primary = make_person("Grace", "Hopper")
    second = make_person("Alan", "Turing")
    friend = make_person("Linus", "Pauling")
    partner = make_person("Mary", "Somerville")
    Relationship.objects.create(
        person_a=primary, person_b=person, is_primary_referrer=True, attribution_percentage=70
    )
    Relationship.objects.create(person_a=second, person_b=person, attribution_percentage=30)
    Relationship.objects.create(person_a=person, person_b=friend)
    Relationship.objects.create(person_a=partner, person_b=person, relationship_type="partner")
    html = staff_client.get(detail_url(person)).text
    referred_by = html.split("<h3>Referred by</h3>")[1].split("</ul>")[0]
    assert referred_by.index("Grace Hopper") < referred_by.index("Alan Turing")
    assert "Primary referrer" in referred_by and "70% attribution" in referred_by
    assert "30% attribution" in referred_by
    referred = html.split("<h3>Referred</h3>")[1].split("</ul>")[0]
    assert f'href="{detail_url(friend)}"' in referred
    others = html.split("<h3>Other ties</h3>")[1].split("</ul>")[0]
    assert f'href="{detail_url(partner)}"' in others and "Partner / spouse" in others


# --- Timeline ---------------------------------------------------------------------------------------


def timeline_subjects(html: str) -> list[str]:
    import re

    return re.findall(r'<p class="timeline__subject">([^<]+)</p>', html)


def test_timeline_merges_interactions_and_messages_newest_first(staff_client):
    person = make_person()
    add_interactions(person, 3)  # minutes 0, 1, 2
    add_messages(person, 3)  # minutes 0:30, 1:30, 2:30
    subjects = timeline_subjects(staff_client.get(detail_url(person)).text)
    assert subjects == ["Email 2", "Call 2", "Email 1", "Call 1", "Email 0", "Call 0"]


def test_timeline_pages_with_older_links_without_gaps_or_repeats(staff_client):
    person = make_person()
    add_interactions(person, 25)
    add_messages(person, 20)
    expected = sorted(
        [(f"Call {i}", i * 60) for i in range(25)] + [(f"Email {i}", i * 60 + 30) for i in range(20)],
        key=lambda pair: pair[1],
        reverse=True,
    )
    first = staff_client.get(detail_url(person))
    seen = timeline_subjects(first.text)
    assert len(seen) == 20
    older = first.context["timeline_older_url"]
    # htmx: the next entries, appended in place of the "Older" item
    while older:
        response = staff_client.get(older, **HTMX)
        assert response.status_code == 200
        assert "<html" not in response.text
        seen += timeline_subjects(response.text)
        older = response.context["timeline_older_url"]
    assert seen == [subject for subject, _ in expected]


def test_timeline_older_link_works_without_javascript(staff_client):
    person = make_person()
    add_interactions(person, 30)
    first = staff_client.get(detail_url(person))
    plain = staff_client.get(first.context["timeline_older_page_url"])
    assert plain.status_code == 200
    assert timeline_subjects(plain.text) == [f"Call {i}" for i in range(9, -1, -1)]
    assert "Newest" in plain.text
    # the htmx-only endpoint sends a plain request to the same page
    redirect = staff_client.get(first.context["timeline_older_url"])
    assert redirect.status_code == 302 and "before=" in redirect["Location"]


def test_a_garbled_timeline_position_is_refused_with_400(staff_client):
    person = make_person()
    response = staff_client.get(detail_url(person), {"before": "yesterday"})
    assert response.status_code == 400
    assert b"not valid" in response.content


def test_empty_timeline_says_so(staff_client):
    person = make_person()
    assert "No interactions or messages yet." in staff_client.get(detail_url(person)).text


# --- Query counts ------------------------------------------------------------------------------------


def build_busy_person(size: int, actor) -> Person:
    person = make_person(assigned_to=actor)
    person_set_roles(person=person, roles={"lead", "referral", "member"}, actor=actor, at=START)
    extension_change_status(person=person, role="lead", status="contacted", actor=actor, at=START)
    add_interactions(person, size, user=actor)
    add_messages(person, size, sender=actor)
    add_referred(person, size)
    referrers = Person.objects.bulk_create(Person(first_name=f"Ref{i}", last_name="R") for i in range(size))
    Relationship.objects.bulk_create(
        Relationship(person_a=referrer, person_b=person, attribution_percentage=10) for referrer in referrers
    )
    return person


def count_page_queries(client, person: Person) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(detail_url(person)).status_code == 200
    return len(captured.captured_queries)


def test_person_page_query_count_does_not_grow_with_history(
    staff_client, staff_user, django_assert_max_num_queries
):
    small = build_busy_person(10, staff_user)
    large = build_busy_person(100, staff_user)
    small_count = count_page_queries(staff_client, small)
    assert count_page_queries(staff_client, large) == small_count
    with django_assert_max_num_queries(7):
        staff_client.get(detail_url(large))


def test_timeline_page_query_count_is_small(staff_client, staff_user, django_assert_max_num_queries):
    person = build_busy_person(60, staff_user)
    older = staff_client.get(detail_url(person)).context["timeline_older_url"]
    with django_assert_max_num_queries(5):
        staff_client.get(older, **HTMX)
