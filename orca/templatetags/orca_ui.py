"""Template tags of the staff app's frame: the main navigation, sortable table headers and the
status tone of a badge. See templates/components/README.md for how pages use them."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django import template
from django.http import HttpRequest, QueryDict
from django.urls import reverse

from orca.navigation import NAV_ENTRIES

register = template.Library()

# Query parameters of keyset and page paging: a new sort order starts again at its first page.
PAGING_PARAMS = ("after", "before", "cursor", "page")

# Tones of the status badge. Values of the status enums (extensions/choices.py) not listed here
# are "info"; a tone name maps to itself so a template may pass a tone directly.
TONES = ("neutral", "info", "success", "warning", "danger")
STATUS_TONES = {
    # reached the goal
    "won": "success",
    "joined": "success",
    "converted": "success",
    "active": "success",
    "current": "success",
    "completed": "success",
    "confirmed": "success",
    "hot": "success",
    # needs attention
    "frozen": "warning",
    "past_due": "warning",
    "overdue": "warning",
    "pending": "warning",
    "no_show": "warning",
    "rescheduled": "warning",
    "unresponsive": "warning",
    "warm": "warning",
    # ended badly
    "lost": "danger",
    "declined": "danger",
    "cancelled": "danger",
    "expired": "danger",
    "failed": "danger",
    "not_converted": "danger",
    # not started
    "not_started": "neutral",
    "not_scheduled": "neutral",
    "cold": "neutral",
}


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    current: bool


def _is_current(path: str, url: str) -> bool:
    """A section is current on its own URL and every URL below it (/people/ and /people/42/)."""
    return path == url or (url != "/" and path.startswith(url))


@register.inclusion_tag("components/nav.html", takes_context=True)
def main_nav(context: template.Context) -> dict:
    request: HttpRequest = context["request"]
    user = request.user
    path = request.path
    items = []
    for entry in NAV_ENTRIES:
        if not entry.visible_to(user):
            continue
        url = reverse(entry.url_name, args=entry.args)
        items.append(NavItem(label=entry.label, url=url, current=_is_current(path, url)))
    return {"items": items, "user": user, "request": request, "csrf_token": context.get("csrf_token")}


def _sort_direction(current: str, field: str) -> str:
    if current == field:
        return "ascending"
    if current == f"-{field}":
        return "descending"
    return ""


@register.inclusion_tag("components/sortable_th.html", takes_context=True)
def sortable_th(
    context: template.Context,
    label: str,
    field: str,
    param: str = "sort",
    hx_target: str = "",
    current: str | None = None,
    path: str = "",
) -> dict:
    """A column header whose link sorts by `field`, then by `-field` on the next click.

    `current` is the order the list is in when it is not the URL's (the list's default order, or
    the one it fell back to from a bad value); `path` is the list's URL when the page answers
    another (a form posted elsewhere that shows the list again).
    """
    request: HttpRequest = context["request"]
    direction = _sort_direction(request.GET.get(param, "") if current is None else current, field)
    query = QueryDict(mutable=True)
    for name, values in request.GET.lists():
        # Empty parameters (a filter form sends every field) say nothing: keep the link short.
        kept = [value for value in values if value != ""]
        if kept and name not in PAGING_PARAMS:
            query.setlist(name, kept)
    query[param] = f"-{field}" if direction == "ascending" else field
    return {
        "label": label,
        "direction": direction,
        "url": f"{path or request.path}?{query.urlencode()}",
        "hx_target": hx_target,
    }


@register.filter
def status_tone(value: str) -> str:
    """The badge tone of a status value (or of a tone name): neutral, info, success, warning, danger."""
    value = str(value or "")
    if value in TONES:
        return value
    return STATUS_TONES.get(value, "info" if value else "neutral")


@register.filter
def minutes(value: datetime.timedelta | None) -> int:
    """Whole minutes of a duration, rounded up: a lockout of 14.5 minutes reads "15 minutes"."""
    if not value:
        return 0
    seconds = int(value.total_seconds())
    return -(-seconds // 60)
