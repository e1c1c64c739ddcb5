"""The person page: header, sections loaded and saved in place, roles, timeline, create and delete.

Every view renders the whole page for a plain request and only the changed card (a partial of
persons/detail.html) for an htmx one, so each link and form works with JavaScript off too.
Permissions come from persons.permissions, checked here and again by the services.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field
from typing import Any

import phonenumbers
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from extensions.selectors import StatusHistoryRow, status_history_rows, status_history_users
from extensions.services import ROLES, extension_update, person_set_roles
from interactions.permissions import can_change_interaction
from interactions.selectors import Position, interactions_of_person
from messaging.selectors import decode_position, encode_position, messages_of_person, person_timeline
from orca.users.models import User
from persons.choices import Service
from persons.models import ROLE_FLAGS, Person
from persons.permissions import can_delete_person, can_edit_person, can_reassign_person, require
from persons.selectors import person_find_duplicates, person_get_for_user
from persons.services import ConcurrentEditError, person_create, person_delete, person_update
from relationships.selectors import person_ties, relationships_of_person

from ..forms import (
    CONTACT_TIME_CHOICES,
    ConcurrencyForm,
    DuplicateCheckForm,
    LeadExtensionForm,
    MemberExtensionForm,
    PersonCreateForm,
    PersonNotesForm,
    PersonPreferencesForm,
    PersonProfileForm,
    ReferralExtensionForm,
    RolesForm,
)
from ..interaction_forms import TimelineFilterForm
from ..responses import see_other

TIMELINE_PAGE_SIZE = 20

# --- What the page is made of -----------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    form_class: type[ConcurrencyForm]
    body: str  # the view-mode template
    role: str | None = None  # set for a role extension's section


PERSON_SECTIONS = (
    Section("profile", "Profile", PersonProfileForm, "persons/sections/profile.html"),
    Section(
        "preferences", "Preferences and consent", PersonPreferencesForm, "persons/sections/preferences.html"
    ),
    Section("notes", "Tags, notes and owner", PersonNotesForm, "persons/sections/notes.html"),
)
ROLE_SECTIONS = (
    Section("lead", "Lead", LeadExtensionForm, "persons/sections/lead.html", role="lead"),
    Section("referral", "Referral", ReferralExtensionForm, "persons/sections/referral.html", role="referral"),
    Section("member", "Membership", MemberExtensionForm, "persons/sections/member.html", role="member"),
)
SECTIONS = {section.key: section for section in PERSON_SECTIONS + ROLE_SECTIONS}


@dataclass
class Card:
    """One section card as persons/detail.html#section renders it."""

    section: Section
    person: Person
    mode: str = "view"
    can_edit: bool = False
    form: ConcurrencyForm | None = None
    extension: Model | None = None
    history: list[StatusHistoryRow] = field(default_factory=list)  # newest first
    conflict: str = ""  # the ConcurrentEditError message after a refused save

    @property
    def dom_id(self) -> str:
        return f"section-{self.section.key}"

    @property
    def edit_url(self) -> str:
        return reverse("persons:section_edit", args=[self.person.pk, self.section.key])

    @property
    def view_url(self) -> str:
        return reverse("persons:section", args=[self.person.pk, self.section.key])

    @property
    def body(self) -> str:
        return "persons/sections/form.html" if self.mode == "edit" else self.section.body


@dataclass(frozen=True)
class Permissions:
    """What the signed-in user may do to this person; templates show controls by these flags."""

    can_edit: bool
    can_reassign: bool
    can_delete: bool

    @classmethod
    def of(cls, user: User, person: Person) -> Permissions:
        return cls(
            can_edit=can_edit_person(user, person),
            can_reassign=can_reassign_person(user, person),
            can_delete=can_delete_person(user, person),
        )


# --- Reading the person -----------------------------------------------------------------------


def _person_for_page(user: User, pk: uuid.UUID) -> Person:
    """The person with their owner and every role extension they have ever had, in one query."""
    return person_get_for_user(user=user, pk=pk, related=tuple(ROLES))


def _extension(person: Person, role: str) -> Model | None:
    """The role's extension if the person ever held it (loaded by _person_for_page)."""
    try:
        return getattr(person, role)
    except ROLES[role].extension.DoesNotExist:
        return None


def _history_users(extensions: list[Model]) -> dict[uuid.UUID, User]:
    """Who made each status change, for every extension on the page at once (one query, or none)."""
    return status_history_users(extension.status_history for extension in extensions)


def format_phone(e164: str) -> str:
    """A stored phone number as people write it: national for the club's region, else international."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    region = phonenumbers.region_code_for_number(number)
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if region == settings.PHONE_DEFAULT_REGION
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)


def address_lines(address: dict) -> list[str]:
    """persons.address as it goes on an envelope: street lines, "city region postcode", country."""
    address = address or {}
    town = " ".join(
        part for part in (address.get(key, "") for key in ("city", "region", "postal_code")) if part
    )
    lines = [address.get("line1", ""), address.get("line2", ""), town, address.get("country", "")]
    return [line for line in lines if line]


def _header(person: Person) -> dict[str, Any]:
    """Display values the header and the person sections share, worked out once."""
    now = timezone.now()
    blocked_until = person.do_not_contact_until if (person.do_not_contact_until or now) > now else None
    times, services = dict(CONTACT_TIME_CHOICES), dict(Service.choices)
    return {
        "phone": format_phone(person.phone),
        "secondary_phone": format_phone(person.secondary_phone),
        "contact_blocked_until": blocked_until,
        "roles": person.roles,
        "address_lines": address_lines(person.address),
        "contact_times": [times.get(value, value) for value in person.preferred_contact_times or []],
        "services": [services.get(value, value) for value in person.interested_services],
    }


# --- Building cards and pages -------------------------------------------------------------------


def _card(
    user: User,
    person: Person,
    section: Section,
    *,
    mode: str = "view",
    form: ConcurrencyForm | None = None,
    conflict: str = "",
    users: dict[uuid.UUID, User] | None = None,
) -> Card:
    card = Card(section=section, person=person, mode=mode, can_edit=can_edit_person(user, person))
    card.form, card.conflict = form, conflict
    if section.role:
        card.extension = _extension(person, section.role)
        rows = status_history_rows(
            card.extension.status_history, statuses=ROLES[section.role].statuses, users=users
        )
        card.history = rows[::-1]
    return card


def _new_form(user: User, person: Person, section: Section, data: Any = None) -> ConcurrencyForm:
    """The section's form over a copy of the row, so a failed validation never leaks into the page."""
    if section.role:
        instance = copy.copy(_extension(person, section.role))
        return section.form_class(data, instance=instance)
    if section.form_class is PersonNotesForm:
        return PersonNotesForm(
            data, instance=copy.copy(person), can_reassign=can_reassign_person(user, person)
        )
    return section.form_class(data, instance=copy.copy(person))


def _holds(person: Person, role: str) -> bool:
    """The person holds the role and has its extension (person_set_roles always creates one)."""
    return getattr(person, ROLE_FLAGS[role]) and _extension(person, role) is not None


def _sections_on_page(person: Person) -> list[Section]:
    """Who they are and what they want first, then each role held, then notes and owner."""
    profile, preferences, notes = PERSON_SECTIONS
    held = [section for section in ROLE_SECTIONS if _holds(person, section.role)]
    return [profile, preferences, *held, notes]


def _kept_roles(person: Person) -> list[dict[str, str]]:
    """Roles dropped earlier whose data is still kept, so the page can say it comes back."""
    kept = []
    for role in ROLES:
        if role in person.roles:
            continue
        extension = _extension(person, role)
        if extension is not None:
            spec = ROLES[role]
            kept.append({"role": role, "status": getattr(extension, f"get_{spec.status_field}_display")()})
    return kept


def _timeline_position(request: HttpRequest) -> Position | None:
    """The ?before= of an "Older" link; ValueError for anything else."""
    raw = request.GET.get("before")
    return decode_position(raw) if raw else None


def _timeline_kind(request: HttpRequest) -> str:
    """The ?type= of the timeline filter; ValueError for a type that does not exist."""
    form = TimelineFilterForm(request.GET)
    if not form.is_valid():
        raise ValueError("no such timeline type")
    return form.cleaned_data["type"]


def timeline_context(
    user: User, person: Person, *, before: Position | None, kind: str = ""
) -> dict[str, Any]:
    """The timeline card: one page of entries, the filter, the links to older and newest pages."""
    page = person_timeline(person=person, before=before, limit=TIMELINE_PAGE_SIZE, kind=kind)
    query = {"type": kind} if kind else {}
    # The position holds a "+00:00" offset, which a bare query string would turn into a space.
    older = urlencode({**query, "before": encode_position(page.older)}) if page.older else ""
    base = reverse("persons:timeline", args=[person.pk])
    detail = reverse("persons:detail", args=[person.pk])
    newest = f"{detail}?{urlencode(query)}#timeline" if query else f"{detail}#timeline"
    return {
        "timeline": page,
        "timeline_kind": kind,
        "timeline_filter": TimelineFilterForm(initial={"type": kind}),
        "changeable": {
            entry.item.pk
            for entry in page.entries
            if entry.kind == "interaction" and can_change_interaction(user, entry.item)
        },
        "timeline_is_first_page": before is None,
        "timeline_older_url": f"{base}?{older}" if older else "",
        "timeline_older_page_url": f"{detail}?{older}#timeline" if older else "",
        "timeline_newest_url": newest,
    }


def _page_context(
    request: HttpRequest, person: Person, *, before: Position | None = None, kind: str = ""
) -> dict[str, Any]:
    user = request.user
    sections = _sections_on_page(person)
    users = _history_users([_extension(person, section.role) for section in sections if section.role])
    return {
        "person": person,
        "header": _header(person),
        # Not "perms": that is Django's context processor's, the user's model permissions.
        "person_perms": Permissions.of(user, person),
        "cards": [_card(user, person, section, users=users) for section in sections],
        "roles_form": RolesForm(initial={"roles": sorted(person.roles)}),
        "kept_roles": _kept_roles(person),
        "ties": person_ties(person=person),
        **timeline_context(user, person, before=before, kind=kind),
    }


def _card_response(request: HttpRequest, person: Person, card: Card, *, status: int = 200) -> HttpResponse:
    """Just the card (htmx), with the flash region and, after a save, the header out of band."""
    context = {
        "card": card,
        "person": person,
        "header": _header(person),
        "person_perms": Permissions.of(request.user, person),
        "refresh_header": card.mode == "view" and card.section.role is None and request.method == "POST",
    }
    return render(request, "persons/detail.html#section-response", context, status=status)


def _edit_response(request: HttpRequest, person: Person, card: Card, *, status: int = 200) -> HttpResponse:
    if request.htmx:
        return _card_response(request, person, card, status=status)
    context = {"card": card, "person": person, "person_perms": Permissions.of(request.user, person)}
    return render(request, "persons/sections/edit_page.html", context, status=status)


def _section_or_404(person: Person, key: str) -> Section:
    section = SECTIONS.get(key)
    if section is None:
        raise Http404("No such section.")
    if section.role and not _holds(person, section.role):
        raise Http404(f"{person.full_name} is not a {section.role}.")
    return section


def _section_anchor(person: Person, section: Section) -> str:
    return f"{reverse('persons:detail', args=[person.pk])}#section-{section.key}"


def _add_service_errors(form: ConcurrencyForm, error: ValidationError) -> None:
    """Errors a service found (model validation) beside the fields the form has, the rest on top."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- Views -------------------------------------------------------------------------------------


@require_GET
def person_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    person = _person_for_page(request.user, pk)
    try:
        before = _timeline_position(request)
        kind = _timeline_kind(request)
    except ValueError:
        return HttpResponseBadRequest(
            "That timeline position or type is not valid; open the newest entries instead."
        )
    return render(request, "persons/detail.html", _page_context(request, person, before=before, kind=kind))


@require_GET
def person_timeline_page(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Timeline entries for htmx: older rows (appended in place), or with only ?type= the first
    page of that type (the filter). Without htmx, the person page at the same place."""
    if not request.htmx:
        query = f"?{request.GET.urlencode()}" if request.GET else ""
        return redirect(f"{reverse('persons:detail', args=[pk])}{query}#timeline")
    person = _person_for_page(request.user, pk)
    try:
        before = _timeline_position(request)
        kind = _timeline_kind(request)
    except ValueError:
        return HttpResponseBadRequest("That timeline position or type is not valid.")
    context = {"person": person, **timeline_context(request.user, person, before=before, kind=kind)}
    partial = "timeline-entries" if before else "timeline-list"
    return render(request, f"persons/detail.html#{partial}", context)


@require_GET
def person_section(request: HttpRequest, pk: uuid.UUID, section: str) -> HttpResponse:
    """A card in view mode: the Cancel of an edit. Without htmx, the page at that card."""
    person = _person_for_page(request.user, pk)
    current = _section_or_404(person, section)
    if not request.htmx:
        return redirect(_section_anchor(person, current))
    return _card_response(request, person, _card(request.user, person, current))


@require_http_methods(["GET", "POST"])
def person_section_edit(request: HttpRequest, pk: uuid.UUID, section: str) -> HttpResponse:
    person = _person_for_page(request.user, pk)
    current = _section_or_404(person, section)
    require(can_edit_person(request.user, person), "You can only edit persons assigned to you or unassigned.")
    if request.method == "GET":
        card = _card(
            request.user, person, current, mode="edit", form=_new_form(request.user, person, current)
        )
        return _edit_response(request, person, card)
    return _save_section(request, person, current)


def _save_section(request: HttpRequest, person: Person, section: Section) -> HttpResponse:
    form = _new_form(request.user, person, section, request.POST)

    def again(status: int, conflict: str = "") -> HttpResponse:
        card = _card(request.user, person, section, mode="edit", form=form, conflict=conflict)
        return _edit_response(request, person, card, status=status)

    if not form.is_valid():
        return again(422)
    try:
        saved = _write_section(request.user, person, section, form)
    except ConcurrentEditError as error:
        return again(409, conflict=error.message)
    except ValidationError as error:
        _add_service_errors(form, error)
        return again(422)
    messages.success(request, f"{section.title} saved.")
    if not request.htmx:
        return redirect(_section_anchor(person, section))
    return _card_response(request, saved, _card(request.user, saved, section))


def _write_section(user: User, person: Person, section: Section, form: ConcurrencyForm) -> Person:
    """Hand the form to its service; the person as saved, ready to render."""
    version = form.cleaned_data["expected_updated_at"]
    if section.role:
        extension = extension_update(
            person=person,
            role=section.role,
            data=form.changes(),
            actor=user,
            expected_updated_at=version,
            note=form.cleaned_data.get("status_note", ""),
        )
        setattr(person, section.role, extension)
        return person
    saved = person_update(person=person, actor=user, data=form.changes(), expected_updated_at=version)
    for role in ROLES:
        if (extension := _extension(person, role)) is not None:
            setattr(saved, role, extension)
    return saved


@require_POST
def person_roles(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Add or drop roles. Dropping keeps the role's data, which comes back with the role."""
    person = _person_for_page(request.user, pk)
    require(can_edit_person(request.user, person), "You can only change roles of persons you may edit.")
    form = RolesForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose roles from lead, referral and member.")
        return see_other(reverse("persons:detail", args=[pk]))
    before, wanted = person.roles, set(form.cleaned_data["roles"])
    person_set_roles(person=person, roles=wanted, actor=request.user)
    for role in sorted(wanted - before):
        messages.success(request, f"{person.full_name} is now a {role}.")
    for role in sorted(before - wanted):
        messages.info(
            request,
            f"{person.full_name} is no longer a {role}. Their {role} details are kept and come back "
            f"if you add the role again.",
        )
    if wanted == before:
        messages.info(request, "Roles unchanged.")
    return see_other(reverse("persons:detail", args=[pk]))


# --- Create -------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def person_create_view(request: HttpRequest) -> HttpResponse:
    """A new person, warned about likely duplicates before saving (server side, no JS needed)."""
    if request.method == "GET":
        return render(request, "persons/create.html", {"form": PersonCreateForm(user=request.user)})
    form = PersonCreateForm(request.POST, user=request.user)
    if not form.is_valid():
        return render(request, "persons/create.html", {"form": form}, status=422)
    fields = form.person_fields()
    if not request.POST.get("create_anyway"):
        duplicates = person_find_duplicates(
            first_name=fields["first_name"],
            last_name=fields["last_name"],
            email=fields["email"],
            phone=fields["phone"],
        )
        if duplicates:
            context = {"form": form, "duplicates": duplicates, "confirm_needed": True}
            return render(request, "persons/create.html", context)
    try:
        # The person and their roles exist together or not at all.
        with transaction.atomic():
            person = person_create(actor=request.user, **fields)
            if form.cleaned_data["roles"]:
                person_set_roles(person=person, roles=set(form.cleaned_data["roles"]), actor=request.user)
    except ValidationError as error:
        _add_service_errors(form, error)
        return render(request, "persons/create.html", {"form": form}, status=422)
    messages.success(request, f"{person.full_name} added.")
    return redirect(reverse("persons:detail", args=[person.pk]))


@require_POST
def person_duplicates(request: HttpRequest) -> HttpResponse:
    """The duplicate warning for what is typed so far (htmx, on change); never writes."""
    form = DuplicateCheckForm(request.POST)
    if not form.is_valid():
        # Only a hand-made request gets here (NUL characters, longer than the inputs allow).
        return HttpResponseBadRequest("Those details cannot be checked for duplicates; correct them first.")
    duplicates = person_find_duplicates(**form.cleaned_data)
    return render(request, "persons/create.html#duplicates", {"duplicates": duplicates, "live": True})


# --- Delete -------------------------------------------------------------------------------------


def _delete_counts(person: Person) -> list[tuple[str, int]]:
    """What goes with the person, each count over one person's rows only (indexed)."""
    extensions = sum(1 for role in ROLES if _extension(person, role) is not None)
    return [
        ("role record", extensions),
        ("relationship", relationships_of_person(person=person).count()),
        ("interaction", interactions_of_person(person=person).count()),
        ("message", messages_of_person(person=person).count()),
    ]


@require_http_methods(["GET", "POST"])
def person_delete_view(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    person = _person_for_page(request.user, pk)
    if not can_delete_person(request.user, person):
        raise PermissionDenied("Only managers can delete persons.")
    if request.method == "POST":
        name = person.full_name
        person_delete(person=person, actor=request.user)
        messages.success(request, f"{name} and everything recorded about them were deleted.")
        return redirect(reverse("persons:list"))
    context = {
        "person": person,
        "counts": _delete_counts(person),
        "message": (
            "Everything recorded about them is deleted with them. The people they are related to "
            f"stay; only their ties to {person.first_name} go."
        ),
    }
    return render(request, "persons/confirm_delete.html", context)


urlpatterns = [
    path("new/", person_create_view, name="create"),
    path("new/duplicates/", person_duplicates, name="duplicates"),
    path("<uuid:pk>/", person_detail, name="detail"),
    path("<uuid:pk>/timeline/", person_timeline_page, name="timeline"),
    path("<uuid:pk>/roles/", person_roles, name="roles"),
    path("<uuid:pk>/delete/", person_delete_view, name="delete"),
    path("<uuid:pk>/sections/<slug:section>/", person_section, name="section"),
    path("<uuid:pk>/sections/<slug:section>/edit/", person_section_edit, name="section_edit"),
]
