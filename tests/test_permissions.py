"""Who may open and post to every URL of the staff app, walked from the URL resolver.

Every URL pattern of the staff app (the root patterns except the admin and Django's auth views,
and everything included under them) must have an entry in EXPECTATIONS below: the kwargs to fill,
the requests to make and which roles each request allows. A new URL without an entry fails
`test_every_staff_app_url_has_a_permission_expectation` and its own walk case, so nobody can add a
view and forget to say who may use it.

Each request is made by an anonymous visitor (always sent to sign in: a 302, or for htmx an
HX-Redirect), a staff user, a manager and an admin, about (a) a person assigned to the staff user,
(b) an unassigned person and (c) a person assigned to another staff member. The rule of
persons.permissions: staff view everyone and edit persons assigned to them or unassigned; managers
and admins edit, reassign and delete anyone; delete is for managers and admins only. A refused
request answers 403 (or sends the anonymous visitor to sign in) and leaves every row of the data
tables (persons, role extensions, relationships, interactions, messages) as it was.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django import forms
from django.apps import apps
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from extensions.models import ReferralExtension
from extensions.services import extension_change_status, person_set_roles
from interactions.models import Interaction
from interactions.services import interaction_schedule
from messaging.factories import MessageFactory
from orca.users.models import User
from persons.models import Person
from persons.services import person_create
from pipelines.rules import PIPELINES
from web.forms import PersonNotesForm
from web.interaction_forms import InteractionEditForm
from web.views.person import SECTIONS

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("login")
ROLES = ("staff", "manager", "admin")
TARGETS = {
    "own": "a person assigned to the staff user",
    "unassigned": "an unassigned person",
    "others": "a person assigned to another staff member",
}
# The apps whose rows a request to the staff app may change; a refused request changes none.
DATA_APPS = ("persons", "extensions", "relationships", "interactions", "messaging", "pipelines")
HTMX = {"HTTP_HX_REQUEST": "true"}


# --- Walking the URL patterns -------------------------------------------------------------------


def _is_outside_the_staff_app(entry: URLPattern | URLResolver, namespace: str | None) -> bool:
    """The admin has its own permission system; the auth views are for signing in and out."""
    if isinstance(entry, URLResolver):
        return entry.namespace == "admin"
    return namespace is None and entry.lookup_str.startswith("django.contrib.auth.views.")


def walk_staff_app_urls(
    resolver: URLResolver | None = None, namespace: str | None = None, prefix: str = ""
) -> Iterator[tuple[str, str]]:
    """(URL name with its namespace, route) of every pattern of the staff app, depth first."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if _is_outside_the_staff_app(entry, namespace):
            continue
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = ":".join(filter(None, [namespace, entry.namespace])) or None
            yield from walk_staff_app_urls(entry, inner, route)
        elif entry.name:
            yield (f"{namespace}:{entry.name}" if namespace else entry.name), route
        else:
            yield f"<unnamed pattern {route!r}>", route


STAFF_APP_URLS = dict(walk_staff_app_urls())


# --- Who is allowed ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """Which signed-in roles a request is allowed for, by whose person it is about."""

    description: str
    allows: Callable[[str, str], bool]


EVERYONE = Rule("every signed-in user", lambda role, target: True)
EDITORS = Rule(
    "staff for their own and unassigned persons; managers and admins for anyone",
    lambda role, target: role != "staff" or target in ("own", "unassigned"),
)
MANAGERS = Rule("managers and admins only", lambda role, target: role in ("manager", "admin"))


# --- What each request sends ---------------------------------------------------------------------


def form_post_data(form: forms.Form) -> dict[str, Any]:
    """What a browser would post for an unbound form exactly as it renders: the saved values."""
    data: dict[str, Any] = {}
    for bound in form:
        value = bound.value()
        widget = bound.field.widget
        if isinstance(widget, forms.CheckboxInput):
            if value:
                data[bound.html_name] = "on"
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(item) for item in value]
        elif value is None:
            data[bound.html_name] = ""
        elif isinstance(value, dt.date | dt.datetime):
            data[bound.html_name] = widget.format_value(value)
        elif isinstance(value, Decimal | int | str):
            data[bound.html_name] = str(value)
        else:
            data[bound.html_name] = str(getattr(value, "pk", value))
    return data


def section_data(person: Person, kwargs: dict[str, Any]) -> dict[str, Any]:
    """The section's form posted back unchanged: a save every editor may make."""
    section = SECTIONS[kwargs["section"]]
    if section.role:
        return form_post_data(section.form_class(instance=getattr(person, section.role)))
    if section.form_class is PersonNotesForm:
        return form_post_data(PersonNotesForm(instance=person, can_reassign=True))
    return form_post_data(section.form_class(instance=person))


def bulk_tag_data(person: Person, kwargs: dict[str, Any]) -> dict[str, Any]:
    return {"action": "add_tag", "tag": "walked", "scope": "selected", "ids": [str(person.pk)]}


def bulk_unassign_data(person: Person, kwargs: dict[str, Any]) -> dict[str, Any]:
    """A reassignment: to nobody, which staff may do only to persons they may edit."""
    return {"action": "assign", "assignee": "unassigned", "scope": "selected", "ids": [str(person.pk)]}


def roles_data(person: Person, kwargs: dict[str, Any]) -> dict[str, Any]:
    # The person holds all three roles; keeping only one is a change.
    return {"roles": ["lead"]}


# A move each pipeline allows from where World.person_for leaves the person.
FIRST_MOVES = {"leads": "contacted", "referrals": "contacted", "members": "frozen"}


def move_data(person: Person, kwargs: dict[str, Any]) -> dict[str, Any]:
    pipeline = PIPELINES[kwargs["pipeline"]]
    extension = pipeline.extension.objects.get(person=person)
    return {"to": FIRST_MOVES[pipeline.key], "version": extension.updated_at.isoformat()}


def to_board(person: Person | None, kwargs: dict[str, Any]) -> str:
    return reverse("pipelines:board", args=[kwargs["pipeline"]])


def create_data(person: Person | None, kwargs: dict[str, Any]) -> dict[str, Any]:
    return {"first_name": "Walter", "last_name": "Walker", "create_anyway": "1"}


def duplicates_data(person: Person | None, kwargs: dict[str, Any]) -> dict[str, Any]:
    return {"first_name": "Walter", "last_name": "Walker"}


# --- The table ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """One request to a URL and what it answers when the rule allows the user (else 403)."""

    method: str
    status: int
    rule: Rule = EVERYONE
    htmx: bool = False
    writes: bool = False  # an allowed request changes rows
    data: Callable[[Person | None, dict[str, Any]], dict[str, Any]] | None = None
    redirect: Callable[[Person | None, dict[str, Any]], str] | None = None  # where an allowed 3xx goes

    @property
    def label(self) -> str:
        return f"{self.method}{' (htmx)' if self.htmx else ''}"


# Whom a URL is about: nobody, the person in its `pk`, or the person its POST data names.
NOBODY, IN_URL, IN_DATA = "nobody", "in the URL", "in the data"


@dataclass(frozen=True)
class Expectation:
    calls: tuple[Call, ...]
    about: str = NOBODY
    variants: tuple[dict[str, Any], ...] = ({},)  # kwargs besides pk, each one tried
    # More kwargs made for each request: the id of a row of the person's the URL names (an
    # interaction), or of a user (whose day); person is None for a URL about nobody.
    objects: Callable[[World, Person | None], dict[str, Any]] | None = None

    def kwargs_for(self, world: World, person: Person | None, variant: dict[str, Any]) -> dict[str, Any]:
        """The URL's kwargs for a request about `person`: its pk where the URL names it, the
        variant, and the ids of the rows of theirs the URL names."""
        kwargs = {"pk": person.pk, **variant} if self.about == IN_URL else dict(variant)
        if self.objects:
            kwargs.update(self.objects(world, person))
        return kwargs


def a_follow_up(world: World, person: Person) -> dict[str, Any]:
    """A follow-up of the person logged by a colleague who is none of the walked users: changing
    it is for the person's editors (interactions.permissions), not for whoever logged it."""
    planned = interaction_schedule(
        person=person,
        user=world.users["other_staff"],
        interaction_type="call",
        subject="Walked follow-up",
        scheduled_at=timezone.now() + dt.timedelta(days=2, hours=3),
    )
    return {"interaction_pk": planned.pk}


def a_colleagues_day(world: World, person: Person | None) -> dict[str, Any]:
    return {"user_pk": world.users["other_staff"].pk}


def to_my_day(person: Person | None, kwargs: dict[str, Any]) -> str:
    return reverse("my_day:day")


def to_settings(person: Person | None, kwargs: dict[str, Any]) -> str:
    return reverse("account:settings")


def a_message(world: World, person: Person) -> dict[str, Any]:
    return {"message_pk": MessageFactory(recipient=person, sender=None).pk}


def log_data(person: Person | None, kwargs: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "log", "interaction_type": "call", "subject": "Walked call", "outcome": "reached"}


def edit_data(person: Person | None, kwargs: dict[str, Any]) -> dict[str, Any]:
    interaction = Interaction.objects.get(pk=kwargs["interaction_pk"])
    return {**form_post_data(InteractionEditForm(instance=interaction)), "subject": "Walked and edited"}


def to_timeline(person: Person | None, kwargs: dict[str, Any]) -> str:
    return to_detail(person, kwargs, "#timeline")


EVERY_SECTION = tuple({"section": key} for key in SECTIONS)
EVERY_PIPELINE = tuple({"pipeline": key} for key in PIPELINES)
EVERY_FIRST_COLUMN = tuple({"pipeline": key, "status": p.statuses.values[0]} for key, p in PIPELINES.items())


def to_detail(person: Person | None, kwargs: dict[str, Any], anchor: str = "") -> str:
    return reverse("persons:detail", args=[person.pk]) + anchor


def to_section(person: Person | None, kwargs: dict[str, Any]) -> str:
    return to_detail(person, kwargs, f"#section-{kwargs['section']}")


def to_list(person: Person | None, kwargs: dict[str, Any]) -> str:
    return reverse("persons:list")


def not_allowed(method: str) -> Call:
    return Call(method, 405)


EXPECTATIONS: dict[str, Expectation] = {
    "home": Expectation(calls=(Call("GET", 302, redirect=to_my_day),)),
    "my_day:day": Expectation(calls=(Call("GET", 200), Call("GET", 200, htmx=True), not_allowed("POST"))),
    "my_day:user_day": Expectation(
        objects=a_colleagues_day,
        calls=(Call("GET", 200, MANAGERS), Call("GET", 200, MANAGERS, htmx=True), not_allowed("POST")),
    ),
    # A user's own settings live in users, which is not among the walked data tables.
    "account:settings": Expectation(
        calls=(
            Call("GET", 200),
            Call("POST", 303, data=lambda p, k: {"morning_summary": "on"}, redirect=to_settings),
        ),
    ),
    "persons:list": Expectation(
        calls=(Call("GET", 200), Call("GET", 200, htmx=True), not_allowed("POST")),
    ),
    "persons:bulk": Expectation(
        about=IN_DATA,
        calls=(
            Call("POST", 303, EDITORS, writes=True, data=bulk_tag_data, redirect=to_list),
            Call("POST", 200, EDITORS, htmx=True, writes=True, data=bulk_tag_data),
            Call("POST", 303, EDITORS, writes=True, data=bulk_unassign_data, redirect=to_list),
            not_allowed("GET"),
        ),
    ),
    "persons:create": Expectation(
        calls=(Call("GET", 200), Call("POST", 302, writes=True, data=create_data)),
    ),
    "persons:duplicates": Expectation(
        calls=(Call("POST", 200, htmx=True, data=duplicates_data), not_allowed("GET")),
    ),
    "persons:detail": Expectation(about=IN_URL, calls=(Call("GET", 200), not_allowed("POST"))),
    "persons:timeline": Expectation(
        about=IN_URL,
        calls=(
            Call("GET", 200, htmx=True),
            Call("GET", 302, redirect=lambda person, kwargs: to_detail(person, kwargs, "#timeline")),
            not_allowed("POST"),
        ),
    ),
    "persons:roles": Expectation(
        about=IN_URL,
        calls=(
            Call("POST", 303, EDITORS, writes=True, data=roles_data, redirect=to_detail),
            not_allowed("GET"),
        ),
    ),
    "persons:delete": Expectation(
        about=IN_URL,
        calls=(
            Call("GET", 200, MANAGERS),
            Call("POST", 302, MANAGERS, writes=True, redirect=to_list),
        ),
    ),
    "persons:section": Expectation(
        about=IN_URL,
        variants=EVERY_SECTION,
        calls=(
            Call("GET", 200, htmx=True),
            Call("GET", 302, redirect=to_section),
            not_allowed("POST"),
        ),
    ),
    "persons:section_edit": Expectation(
        about=IN_URL,
        variants=EVERY_SECTION,
        calls=(
            Call("GET", 200, EDITORS),
            Call("GET", 200, EDITORS, htmx=True),
            Call("POST", 302, EDITORS, writes=True, data=section_data, redirect=to_section),
            Call("POST", 200, EDITORS, htmx=True, writes=True, data=section_data),
        ),
    ),
    "pipelines:board": Expectation(
        variants=EVERY_PIPELINE, calls=(Call("GET", 200), Call("GET", 200, htmx=True), not_allowed("POST"))
    ),
    "pipelines:table": Expectation(
        variants=EVERY_PIPELINE, calls=(Call("GET", 200), Call("GET", 200, htmx=True), not_allowed("POST"))
    ),
    "pipelines:numbers": Expectation(
        variants=EVERY_PIPELINE, calls=(Call("GET", 200), Call("GET", 200, htmx=True), not_allowed("POST"))
    ),
    "pipelines:column": Expectation(
        variants=EVERY_FIRST_COLUMN,
        calls=(Call("GET", 200), Call("GET", 200, htmx=True), not_allowed("POST")),
    ),
    "pipelines:move": Expectation(
        about=IN_URL,
        variants=EVERY_PIPELINE,
        calls=(
            Call("GET", 200, EDITORS),
            Call("POST", 303, EDITORS, writes=True, data=move_data, redirect=to_board),
            Call("POST", 200, EDITORS, htmx=True, writes=True, data=move_data),
        ),
    ),
    # The front desk checks in every member, whoever looks after them.
    "pipelines:check_in": Expectation(
        about=IN_URL,
        calls=(
            Call("POST", 303, writes=True, redirect=to_detail),
            Call("POST", 200, htmx=True, writes=True),
            not_allowed("GET"),
        ),
    ),
    "pipelines:appointment_ics": Expectation(about=IN_URL, calls=(Call("GET", 200), not_allowed("POST"))),
    # Anyone who may see a person logs what they did with them; changing an entry is for its
    # author, the person's editors and managers (the walk's entries are a colleague's).
    "persons:interaction_new": Expectation(
        about=IN_URL,
        calls=(
            Call("GET", 200),
            Call("GET", 200, htmx=True),
            Call("POST", 303, writes=True, data=log_data, redirect=to_timeline),
            Call("POST", 200, htmx=True, writes=True, data=log_data),
        ),
    ),
    "persons:interaction": Expectation(
        about=IN_URL,
        objects=a_follow_up,
        calls=(Call("GET", 200), Call("GET", 200, htmx=True), not_allowed("POST")),
    ),
    "persons:message": Expectation(
        about=IN_URL,
        objects=a_message,
        calls=(Call("GET", 200), Call("GET", 200, htmx=True), not_allowed("POST")),
    ),
    "persons:interaction_edit": Expectation(
        about=IN_URL,
        objects=a_follow_up,
        calls=(
            Call("GET", 200, EDITORS),
            Call("GET", 200, EDITORS, htmx=True),
            Call("POST", 303, EDITORS, writes=True, data=edit_data, redirect=to_timeline),
            Call("POST", 200, EDITORS, htmx=True, writes=True, data=edit_data),
        ),
    ),
    "persons:interaction_complete": Expectation(
        about=IN_URL,
        objects=a_follow_up,
        calls=(
            Call("GET", 200, EDITORS, htmx=True),
            Call(
                "POST",
                303,
                EDITORS,
                writes=True,
                data=lambda p, k: {"outcome": "reached"},
                redirect=to_timeline,
            ),
        ),
    ),
    "persons:interaction_reschedule": Expectation(
        about=IN_URL,
        objects=a_follow_up,
        calls=(
            Call("GET", 200, EDITORS),
            Call(
                "POST",
                303,
                EDITORS,
                writes=True,
                data=lambda p, k: {
                    "scheduled_at": (timezone.localtime() + dt.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
                },
                redirect=to_timeline,
            ),
        ),
    ),
    "persons:interaction_snooze": Expectation(
        about=IN_URL,
        objects=a_follow_up,
        calls=(
            Call("POST", 200, EDITORS, htmx=True, writes=True, data=lambda p, k: {"until": "next_week"}),
            not_allowed("GET"),
        ),
    ),
    "persons:interaction_cancel": Expectation(
        about=IN_URL,
        objects=a_follow_up,
        calls=(Call("POST", 303, EDITORS, writes=True, redirect=to_timeline), not_allowed("GET")),
    ),
    "persons:interaction_delete": Expectation(
        about=IN_URL,
        objects=a_follow_up,
        calls=(
            Call("GET", 200, EDITORS, htmx=True),
            Call("POST", 303, EDITORS, writes=True, redirect=to_timeline),
        ),
    ),
}

# --- Running the calls -----------------------------------------------------------------------------


def _data_tables() -> list[str]:
    return [
        model._meta.db_table
        for label in DATA_APPS
        for model in apps.get_app_config(label).get_models()
        if model._meta.managed
    ]


def database_state() -> dict[str, str]:
    """A digest of every row of every data table, in one query: any insert, update or delete shows."""
    tables = _data_tables()
    sql = " UNION ALL ".join(
        f"SELECT %s, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
        f"FROM {connection.ops.quote_name(table)} t"
        for table in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, tables)
        return dict(cursor.fetchall())


@dataclass
class World:
    users: dict[str, User]
    mismatches: list[str] = field(default_factory=list)

    def person_for(self, target: str) -> Person:
        """A fresh person for one request (a delete must not find it gone), holding every role."""
        owner = {"own": self.users["staff"], "unassigned": None, "others": self.users["other_staff"]}[target]
        person = person_create(actor=None, first_name="Pat", last_name=f"Walk-{target}", assigned_to=owner)
        person_set_roles(person=person, roles={"lead", "referral", "member"}, actor=None)
        # An active member (who may check in) with a booked appointment (whose .ics exists).
        extension_change_status(person=person, role="member", status="active", actor=None)
        ReferralExtension.objects.filter(person=person).update(
            appointment_date=timezone.now() + dt.timedelta(days=1), appointment_status="scheduled"
        )
        return Person.objects.select_related("lead", "referral", "member").get(pk=person.pk)


def send(client: Client, call: Call, url: str, data: dict[str, Any] | None):
    extra = HTMX if call.htmx else {}
    if call.method == "GET":
        return client.get(url, **extra)
    return client.post(url, data or {}, **extra)


def check(
    world: World,
    client: Client,
    *,
    who: str,
    target: str | None,
    name: str,
    call: Call,
    person: Person | None,
    kwargs: dict[str, Any],
) -> None:
    url = reverse(name, kwargs=kwargs)
    data = call.data(person, kwargs) if call.data else None
    where = f"{call.label} {url} as {who}" + (f" about {TARGETS[target]}" if target else "")
    before = database_state()
    response = send(client, call, url, data)
    after = database_state()
    changed = sorted(table for table, digest in after.items() if before[table] != digest)
    wrote = bool(changed)

    if who == "anonymous":
        # htmx is told to load the sign-in page as the page (HX-Redirect), not to swap it in.
        status, header = (200, "HX-Redirect") if call.htmx else (302, "Location")
        location = response.get(header, "")
        parts = urlsplit(location)
        if (
            response.status_code != status
            or parts.path != LOGIN_URL
            or parse_qs(parts.query).get("next") != [url]
        ):
            world.mismatches.append(
                f"{where}: {response.status_code} {header}={location!r}, not sent to sign in"
            )
        if wrote:
            world.mismatches.append(f"{where}: refused, but rows of {', '.join(changed)} changed")
        return

    allowed = call.rule.allows(who, target or "unassigned")
    expected = call.status if allowed else 403
    if response.status_code != expected:
        world.mismatches.append(
            f"{where}: {response.status_code}, expected {expected} ({call.rule.description})"
        )
        return
    if allowed and call.redirect and response["Location"] != call.redirect(person, kwargs):
        world.mismatches.append(f"{where}: redirected to {response['Location']}")
    if not allowed and wrote:
        world.mismatches.append(f"{where}: refused with 403, but rows of {', '.join(changed)} changed")
    if allowed and wrote != call.writes:
        did = f"changed {', '.join(changed)}" if wrote else "changed no row"
        world.mismatches.append(f"{where}: {did}, but should{'' if call.writes else ' not'} write")


def walk(world: World, client: Client, name: str, expectation: Expectation) -> None:
    for who in ("anonymous", *ROLES):
        client.logout()
        if who != "anonymous":
            client.force_login(world.users[who])
        for call, variant in itertools.product(expectation.calls, expectation.variants):
            if expectation.about == NOBODY:
                kwargs = expectation.kwargs_for(world, None, variant)
                check(world, client, who=who, target=None, name=name, call=call, person=None, kwargs=kwargs)
                continue
            for target in TARGETS:
                # A new person for every request, so each starts from the same rows.
                person = world.person_for(target)
                kwargs = expectation.kwargs_for(world, person, variant)
                check(
                    world, client, who=who, target=target, name=name, call=call, person=person, kwargs=kwargs
                )
                # Keep the tables small, so comparing every row before and after stays cheap.
                Person.objects.all().delete()


# --- Tests -----------------------------------------------------------------------------------------


@pytest.fixture
def world(staff_user, other_staff_user, manager_user, admin_user) -> World:
    return World(
        users={
            "staff": staff_user,
            "other_staff": other_staff_user,
            "manager": manager_user,
            "admin": admin_user,
        }
    )


def test_every_staff_app_url_has_a_permission_expectation():
    missing = sorted(set(STAFF_APP_URLS) - set(EXPECTATIONS))
    assert not missing, (
        "These staff app URLs have no entry in tests/test_permissions.py EXPECTATIONS; add one saying "
        "which roles may use each method: "
        + ", ".join(f"{name} ({STAFF_APP_URLS.get(name, '?')})" for name in missing)
    )


def test_the_expectation_table_names_no_url_that_is_gone():
    stale = sorted(set(EXPECTATIONS) - set(STAFF_APP_URLS))
    assert not stale, f"EXPECTATIONS lists URLs the staff app no longer has: {', '.join(stale)}"


def test_the_walk_finds_the_people_list_and_the_person_page_but_not_the_admin_or_sign_in():
    assert {"home", "persons:list", "persons:detail", "persons:section_edit"} <= set(STAFF_APP_URLS)
    assert not any(name.startswith("admin:") for name in STAFF_APP_URLS)
    assert not {"login", "logout", "password_change", "password_reset"} & set(STAFF_APP_URLS)


@pytest.mark.parametrize("name", sorted(STAFF_APP_URLS))
def test_each_url_answers_every_role_as_the_permission_rule_says(name, world, client):
    expectation = EXPECTATIONS.get(name)
    if expectation is None:
        pytest.fail(
            f"{name} ({STAFF_APP_URLS[name]}) has no entry in EXPECTATIONS: say which roles may use it."
        )
    walk(world, client, name, expectation)
    assert not world.mismatches, f"{len(world.mismatches)} answers differ:\n" + "\n".join(world.mismatches)
