"""Interactions on the person page: log one, schedule a follow-up, open an entry of the timeline in
place, correct it, complete, reschedule, snooze, cancel or delete it.

Every view answers a plain request with a whole page or a redirect, and an htmx request with the
part that changed. A form that carries `next` (My day, a pipeline board) is sent back there with
303 after a success, htmx requests too (htmx follows the redirect and the page picks the region it
wants with hx-select). Permissions: logging needs only to see the person; changing an entry is for
whoever logged it, the person's owner or a manager (interactions.permissions), checked here and
again by the services.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from interactions.models import Interaction
from interactions.permissions import can_change_interaction
from interactions.selectors import interaction_of_person
from interactions.services import (
    Snooze,
    interaction_cancel,
    interaction_complete,
    interaction_delete,
    interaction_log,
    interaction_reschedule,
    interaction_schedule,
    interaction_snooze,
    interaction_update,
)
from messaging.selectors import TimelineEntry, message_of_person
from persons.models import Person
from persons.permissions import require
from persons.selectors import person_get_for_user

from ..interaction_forms import (
    LOG,
    SCHEDULE,
    InteractionCompleteForm,
    InteractionEditForm,
    InteractionLogForm,
    InteractionRescheduleForm,
    InteractionScheduleForm,
    InteractionSnoozeForm,
)
from ..responses import safe_next, see_other
from .person import timeline_context

NEW_FORMS: dict[str, type[Form]] = {LOG: InteractionLogForm, SCHEDULE: InteractionScheduleForm}


# --- Shared pieces ------------------------------------------------------------------------------


def _person(request: HttpRequest, pk: uuid.UUID) -> Person:
    return person_get_for_user(user=request.user, pk=pk)


def _changeable(request: HttpRequest, person: Person, interaction_pk: uuid.UUID) -> Interaction:
    interaction = interaction_of_person(person=person, pk=interaction_pk)
    require(
        can_change_interaction(request.user, interaction),
        "Only whoever logged it, the person's owner or a manager can change this interaction.",
    )
    return interaction


def _person_url(person: Person) -> str:
    return f"{reverse('persons:detail', args=[person.pk])}#timeline"


def _add_service_errors(form: Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _entry_context(
    request: HttpRequest, person: Person, interaction: Interaction, **extra: Any
) -> dict[str, Any]:
    return {
        "person": person,
        "entry": TimelineEntry("interaction", interaction),
        "changeable": {interaction.pk} if can_change_interaction(request.user, interaction) else set(),
        "snooze_choices": Snooze.choices,
        "next": safe_next(request),
        **extra,
    }


def _entry_response(
    request: HttpRequest, person: Person, interaction: Interaction, *, status: int = 200, **extra: Any
) -> HttpResponse:
    """The entry open in the timeline (htmx), or a page of its own (plain); `form` shows a form in it."""
    context = _entry_context(request, person, interaction, open=True, **extra)
    template = "interactions/entry.html#entry-response" if request.htmx else "interactions/entry_page.html"
    return render(request, template, context, status=status)


def _done(
    request: HttpRequest, person: Person, interaction: Interaction | None, message: str
) -> HttpResponse:
    """After a change: back to `next`, the entry (htmx), or the person's timeline."""
    messages.success(request, message)
    target = safe_next(request)
    if target:
        return see_other(target)
    if request.htmx and interaction is not None:
        return _entry_response(request, person, interaction)
    if request.htmx:
        return render(request, "interactions/entry.html#removed", {"person": person})
    return see_other(_person_url(person))


def _refused_elsewhere(request: HttpRequest, reasons: list[str]) -> HttpResponse | None:
    """A refusal of an action posted from another page (My day) with htmx and a `next`: that page
    stays as it is (HX-Reswap: none) and the reasons show in its message region. None otherwise:
    the caller answers with the entry and its form, as on the person page."""
    if not (request.htmx and safe_next(request)):
        return None
    for reason in reasons:
        messages.error(request, reason)
    response = render(request, "interactions/entry.html#removed", {}, status=422)
    response["HX-Reswap"] = "none"
    return response


def _form_reasons(form: Form) -> list[str]:
    return [
        f"{form.fields[name].label or name.capitalize()}: {error}" if name in form.fields else error
        for name, errors in form.errors.items()
        for error in errors
    ]


def _said(template: str, interaction: Interaction) -> str:
    """The success message: "{label}" is the type, "{at}" the time it is now planned for."""
    at = interaction.scheduled_at
    return template.format(
        label=interaction.get_interaction_type_display(),
        at=date_format(timezone.localtime(at), "D j M, H:i") if at else "",
    )


def _form_response(
    request: HttpRequest,
    person: Person,
    interaction: Interaction,
    form: Form,
    action: str,
    *,
    status: int = 200,
) -> HttpResponse:
    return _entry_response(request, person, interaction, form=form, action=action, status=status)


# --- Log or schedule ------------------------------------------------------------------------------


def _kind(request: HttpRequest) -> str:
    kind = request.POST.get("kind") or request.GET.get("kind") or LOG
    return kind if kind in NEW_FORMS else LOG


def _new_form_context(request: HttpRequest, person: Person, kind: str, form: Form) -> dict[str, Any]:
    title = "Schedule a follow-up" if kind == SCHEDULE else "Log an interaction"
    return {"person": person, "kind": kind, "kind_title": title, "form": form, "next": safe_next(request)}


def _new_form_initial(request: HttpRequest) -> dict[str, str]:
    kind_of = request.GET.get("type", "")
    return {"interaction_type": kind_of} if kind_of else {}


def _new_response(
    request: HttpRequest, person: Person, kind: str, form: Form, *, status: int = 200
) -> HttpResponse:
    context = _new_form_context(request, person, kind, form)
    if not request.htmx:
        return render(request, "interactions/new.html", context, status=status)
    if request.method == "GET":
        return render(request, "interactions/form.html#new-form", context, status=status)
    # A refused save redraws the timeline card with the form open, as it was typed.
    context |= timeline_context(request.user, person, before=None, kind="")
    return render(request, "persons/detail.html#timeline-response", context, status=status)


def _record(request: HttpRequest, person: Person, kind: str, form: Form) -> Interaction:
    if kind == SCHEDULE:
        return interaction_schedule(person=person, user=request.user, **form.service_kwargs())
    return interaction_log(person=person, user=request.user, **form.service_kwargs())


@require_http_methods(["GET", "POST"])
def interaction_new(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """The log form (or, with kind=schedule, the follow-up form), opened in the timeline card."""
    person = _person(request, pk)
    kind = _kind(request)
    form_class = NEW_FORMS[kind]
    if request.method == "GET":
        return _new_response(request, person, kind, form_class(initial=_new_form_initial(request)))
    form = form_class(request.POST, request.FILES)
    if not form.is_valid():
        return _new_response(request, person, kind, form, status=422)
    try:
        with transaction.atomic():
            interaction = _record(request, person, kind, form)
    except ValidationError as error:
        _add_service_errors(form, error)
        return _new_response(request, person, kind, form, status=422)
    label = interaction.get_interaction_type_display()
    messages.success(
        request,
        f"{label} scheduled for {person.full_name}."
        if kind == SCHEDULE
        else f"{label} logged for {person.full_name}.",
    )
    target = safe_next(request)
    if target:
        return see_other(target)
    if not request.htmx:
        return see_other(_person_url(person))
    context = {"person": person, **timeline_context(request.user, person, before=None, kind="")}
    return render(request, "persons/detail.html#timeline-response", context)


# --- One entry ------------------------------------------------------------------------------------


@require_GET
def interaction_detail(request: HttpRequest, pk: uuid.UUID, interaction_pk: uuid.UUID) -> HttpResponse:
    """An entry opened in place; ?closed=1 folds it back (htmx)."""
    person = _person(request, pk)
    interaction = interaction_of_person(person=person, pk=interaction_pk)
    if request.htmx and request.GET.get("closed"):
        context = _entry_context(request, person, interaction, open=False)
        return render(request, "interactions/entry.html#entry", context)
    return _entry_response(request, person, interaction)


@require_GET
def message_detail(request: HttpRequest, pk: uuid.UUID, message_pk: uuid.UUID) -> HttpResponse:
    person = _person(request, pk)
    message = message_of_person(person=person, pk=message_pk)
    opened = not (request.htmx and request.GET.get("closed"))
    context = {
        "person": person,
        "entry": TimelineEntry("message", message),
        "open": opened,
        "changeable": set(),
    }
    if not request.htmx:
        return render(request, "interactions/entry_page.html", context)
    return render(request, "interactions/entry.html#entry", context)


def _form_view(
    request: HttpRequest,
    pk: uuid.UUID,
    interaction_pk: uuid.UUID,
    *,
    action: str,
    make_form,
    apply,
    done: str,
) -> HttpResponse:
    """GET shows the action's form in the entry; POST validates it and calls the service."""
    person = _person(request, pk)
    interaction = _changeable(request, person, interaction_pk)
    if request.method == "GET":
        return _form_response(request, person, interaction, make_form(interaction, None), action)
    form = make_form(interaction, request.POST)
    if form.is_valid():
        try:
            changed = apply(interaction, form)
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            return _done(request, person, changed, _said(done, changed))
    refused = _refused_elsewhere(request, _form_reasons(form))
    return refused or _form_response(request, person, interaction, form, action, status=422)


@require_http_methods(["GET", "POST"])
def interaction_edit(request: HttpRequest, pk: uuid.UUID, interaction_pk: uuid.UUID) -> HttpResponse:
    return _form_view(
        request,
        pk,
        interaction_pk,
        action="edit",
        make_form=lambda interaction, data: InteractionEditForm(data, instance=_copy(interaction)),
        apply=lambda interaction, form: interaction_update(
            interaction=interaction, actor=request.user, data=form.changes()
        ),
        done="{label} saved.",
    )


def _copy(interaction: Interaction) -> Interaction:
    """A copy for the model form to write into, so a refused edit never shows on the page."""
    copy = Interaction.objects.select_related("user").get(pk=interaction.pk)
    copy.person = interaction.person
    return copy


@require_http_methods(["GET", "POST"])
def interaction_complete_view(request: HttpRequest, pk: uuid.UUID, interaction_pk: uuid.UUID) -> HttpResponse:
    return _form_view(
        request,
        pk,
        interaction_pk,
        action="complete",
        make_form=lambda interaction, data: InteractionCompleteForm(data),
        apply=lambda interaction, form: interaction_complete(
            interaction=interaction, actor=request.user, **form.cleaned_data
        ),
        done="{label} completed.",
    )


@require_http_methods(["GET", "POST"])
def interaction_reschedule_view(
    request: HttpRequest, pk: uuid.UUID, interaction_pk: uuid.UUID
) -> HttpResponse:
    return _form_view(
        request,
        pk,
        interaction_pk,
        action="reschedule",
        make_form=lambda interaction, data: InteractionRescheduleForm(
            data, initial={"scheduled_at": interaction.scheduled_at}
        ),
        apply=lambda interaction, form: interaction_reschedule(
            interaction=interaction, actor=request.user, scheduled_at=form.cleaned_data["scheduled_at"]
        ),
        done="{label} moved to {at}.",
    )


def _post_action(
    request: HttpRequest, pk: uuid.UUID, interaction_pk: uuid.UUID, form: Form | None, apply, done: str
):
    """A one-button action (snooze, cancel): no form of its own to show, so a refusal is a 422
    with the reason in the entry (htmx) or on the entry's page."""
    person = _person(request, pk)
    interaction = _changeable(request, person, interaction_pk)
    try:
        if form is not None and not form.is_valid():
            raise ValidationError([error for errors in form.errors.values() for error in errors])
        changed = apply(interaction)
    except ValidationError as error:
        refused = _refused_elsewhere(request, error.messages)
        return refused or _entry_response(request, person, interaction, status=422, errors=error.messages)
    return _done(request, person, changed, _said(done, changed))


@require_POST
def interaction_snooze_view(request: HttpRequest, pk: uuid.UUID, interaction_pk: uuid.UUID) -> HttpResponse:
    form = InteractionSnoozeForm(request.POST)
    return _post_action(
        request,
        pk,
        interaction_pk,
        form,
        lambda interaction: interaction_snooze(
            interaction=interaction, actor=request.user, until=form.cleaned_data["until"]
        ),
        "{label} snoozed until {at}.",
    )


@require_POST
def interaction_cancel_view(request: HttpRequest, pk: uuid.UUID, interaction_pk: uuid.UUID) -> HttpResponse:
    return _post_action(
        request,
        pk,
        interaction_pk,
        None,
        lambda interaction: interaction_cancel(interaction=interaction, actor=request.user),
        "{label} cancelled.",
    )


@require_http_methods(["GET", "POST"])
def interaction_delete_view(request: HttpRequest, pk: uuid.UUID, interaction_pk: uuid.UUID) -> HttpResponse:
    """GET asks first (in the entry, or a page of its own); POST deletes."""
    person = _person(request, pk)
    interaction = _changeable(request, person, interaction_pk)
    if request.method == "GET":
        return _entry_response(request, person, interaction, action="delete")
    label = interaction.get_interaction_type_display()
    interaction_delete(interaction=interaction, actor=request.user)
    return _done(request, person, None, f"{label} deleted.")


_ONE = "<uuid:pk>/interactions/<uuid:interaction_pk>/"
urlpatterns = [
    path("<uuid:pk>/interactions/new/", interaction_new, name="interaction_new"),
    path(_ONE, interaction_detail, name="interaction"),
    path(f"{_ONE}edit/", interaction_edit, name="interaction_edit"),
    path(f"{_ONE}complete/", interaction_complete_view, name="interaction_complete"),
    path(f"{_ONE}reschedule/", interaction_reschedule_view, name="interaction_reschedule"),
    path(f"{_ONE}snooze/", interaction_snooze_view, name="interaction_snooze"),
    path(f"{_ONE}cancel/", interaction_cancel_view, name="interaction_cancel"),
    path(f"{_ONE}delete/", interaction_delete_view, name="interaction_delete"),
    path("<uuid:pk>/messages/<uuid:message_pk>/", message_detail, name="message"),
]
