"""My day: the page a staff member opens each morning (agenda.selectors.my_day).

GET /my-day/ is the signed-in user's day; /my-day/<user>/ someone else's, for managers. Each row's
actions are the interaction views' own (complete, snooze), posted with `next` set to this page:
with htmx the answer is this page's #day partial, swapped in place, so the row leaves its section
and every count is right again; without JavaScript the browser comes back here after the 303.
"""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from agenda.permissions import can_view_day
from agenda.selectors import my_day
from interactions.models import Outcome
from interactions.permissions import can_change_interaction
from interactions.services import Snooze
from orca.users.models import User
from orca.users.selectors import assignable_users
from persons.permissions import require

from ..responses import see_other


def _day_url(owner: User, viewer: User) -> str:
    if owner.pk == viewer.pk:
        return reverse("my_day:day")
    return reverse("my_day:user_day", args=[owner.pk])


def _render_day(request: HttpRequest, owner: User) -> HttpResponse:
    sections = my_day(user=owner)
    changeable = {
        row.follow_up.pk
        for section in sections
        for row in section.rows
        if row.follow_up and can_change_interaction(request.user, row.follow_up)
    }
    context = {
        "owner": owner,
        "own": owner.pk == request.user.pk,
        "sections": sections,
        "changeable": changeable,
        "day_url": _day_url(owner, request.user),
        "today": timezone.localdate(),
        "outcomes": Outcome.choices,
        "snooze_choices": Snooze.choices,
        # A manager picks whose day to look at; staff only ever see their own.
        "colleagues": list(assignable_users()) if request.user.is_manager else [],
    }
    partial = request.htmx and not request.htmx.history_restore_request
    return render(request, "my_day/day.html#day-response" if partial else "my_day/day.html", context)


@require_GET
def my_day_view(request: HttpRequest) -> HttpResponse:
    """The signed-in user's day; ?user=<id> (the manager's picker) goes to that user's page."""
    chosen = request.GET.get("user", "")
    if chosen:
        try:
            chosen_pk = uuid.UUID(chosen)
        except ValueError:
            return render(request, "my_day/unknown_user.html", status=400)
        if chosen_pk != request.user.pk:
            return see_other(reverse("my_day:user_day", args=[chosen_pk]))
    return _render_day(request, request.user)


@require_GET
def user_day_view(request: HttpRequest, user_pk: uuid.UUID) -> HttpResponse:
    owner = get_object_or_404(User, pk=user_pk)
    require(can_view_day(request.user, owner), "Only managers can look at a colleague's day.")
    return _render_day(request, owner)


urlpatterns = [
    path("", my_day_view, name="day"),
    path("<uuid:user_pk>/", user_day_view, name="user_day"),
]
