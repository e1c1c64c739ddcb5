"""The pipeline boards: one column per stage, cards moved by drag or by "Move to…", a table view
of the same cards, the pipeline numbers, check-ins and appointment files.

GET /pipelines/<leads|referrals|members>/ renders the board; each column holds its first cards
and a "Show more" link for the next ones (keyset paging per column, so a column of 200,000 leads
costs what a column of 20 does). A move is a POST to the card's move URL: with htmx (static/js/
board.js) it answers with the card in its new state and every column count out of band, a move
dialog (422) when the move needs a date or a reason, or a message (403, 409, 422) when it is
refused, after which the script puts the card back. Without JavaScript, "Move to…" opens the move
page, whose form posts and returns to the board. Filters ride in the URL on every page.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.template.defaultfilters import pluralize
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import push_url

from orca.users.models import User
from orca.users.selectors import assignable_users
from persons.models import ROLE_FLAGS, Person
from persons.permissions import can_edit_person
from persons.selectors import person_get_for_user
from persons.services import ConcurrentEditError
from pipelines.attendance import CHECK_IN_STATUSES, member_check_in
from pipelines.calendar import referral_appointment_ics
from pipelines.rules import MEMBERS, PIPELINES, REFERRALS, Pipeline
from pipelines.selectors import ColumnCount, column_counts, pipeline_cards, pipeline_numbers, stage_limits
from pipelines.services import MoveNeedsDetails, pipeline_move

from ..pagination import InvalidCursor, KeysetOrdering, keyset_paginate
from ..pipeline_forms import DETAIL_FIELDS, CheckInForm, MoveForm, PipelineFilter, lost_reasons
from ..responses import see_other

# A board shows each column's first cards, then more on demand: a card costs about a millisecond
# to render, so the first load stays small (bench/README.md, "Pipeline boards").
FIRST_CARDS = 10
CARDS_PER_COLUMN = 25
TABLE_PAGE_SIZE = 50
PERIODS = {"7": 7, "30": 30, "90": 90, "365": 365}
DEFAULT_PERIOD = "90"
# Query parameters of a page that are not filters: paging and sort.
NOT_FILTERS = ("after", "before", "sort", "period", "to", "next", "open")


# --- Cards and columns --------------------------------------------------------------------------


@dataclass
class Card:
    """One card as pipelines/board.html#card renders it, from a row of the pipeline's view."""

    row: Any
    pipeline: Pipeline
    can_edit: bool
    limit: int | None  # days before the card is stale in this stage, if the stage has a limit
    query: str  # the board's filters, carried by the card's links

    @property
    def status(self) -> str:
        return getattr(self.row, self.pipeline.status_field)

    @property
    def status_label(self) -> str:
        return self.pipeline.label(self.status)

    @property
    def name(self) -> str:
        return f"{self.row.first_name} {self.row.last_name}".strip()

    @property
    def days_in_stage(self) -> int:
        return max((timezone.now() - self.row.stage_entered_at).days, 0)

    @property
    def stale(self) -> bool:
        return self.limit is not None and self.days_in_stage > self.limit

    @property
    def version(self) -> str:
        return getattr(self.row, f"{self.pipeline.role}_updated_at").isoformat()

    @property
    def moves(self) -> list[tuple[str, str]]:
        return [(status, self.pipeline.label(status)) for status in self.pipeline.allowed_from(self.status)]

    @property
    def dom_id(self) -> str:
        return f"card-{self.row.pk}"

    @property
    def can_check_in(self) -> bool:
        return self.pipeline is MEMBERS and self.status in CHECK_IN_STATUSES

    @property
    def move_url(self) -> str:
        return _with_query(reverse("pipelines:move", args=[self.pipeline.key, self.row.pk]), self.query)

    @property
    def board_url(self) -> str:
        """The board this card is on, with its filters: where a plain form comes back to."""
        return _with_query(reverse("pipelines:board", args=[self.pipeline.key]), self.query)

    @property
    def check_in_url(self) -> str:
        return _with_query(reverse("pipelines:check_in", args=[self.row.pk]), self.query)

    @property
    def log_url(self) -> str:
        """The log form for this person, which comes back to the board (with its filters) after."""
        return (
            f"{reverse('persons:interaction_new', args=[self.row.pk])}?{urlencode({'next': self.board_url})}"
        )

    @property
    def ics_url(self) -> str:
        return reverse("pipelines:appointment_ics", args=[self.row.pk])


@dataclass
class Column:
    pipeline: Pipeline
    status: str
    count: ColumnCount
    cards: list[Card] = field(default_factory=list)
    more_url: str = ""
    limit: int | None = None

    @property
    def label(self) -> str:
        return self.pipeline.label(self.status)

    @property
    def closed(self) -> bool:
        return self.status in self.pipeline.closed


def _with_query(url: str, query: str) -> str:
    return f"{url}?{query}" if query else url


def _filter_query(params: QueryDict) -> str:
    """The filters of a page's URL without paging, sort and empty values: what links carry along."""
    query = QueryDict(mutable=True)
    for name, values in params.lists():
        kept = [value for value in values if value != ""]
        if kept and name not in NOT_FILTERS:
            query.setlist(name, kept)
    return query.urlencode()


def _pipeline_or_404(key: str) -> Pipeline:
    pipeline = PIPELINES.get(key)
    if pipeline is None:
        raise Http404("No such pipeline.")
    return pipeline


def _column_ordering(pipeline: Pipeline, status: str) -> KeysetOrdering:
    # Open stages: the card waiting longest first (what needs doing); closed ones: the latest first.
    return KeysetOrdering(f"column-{status}", ("stage_entered_at",), descending=status in pipeline.closed)


def _cards(user: User, pipeline: Pipeline, rows: list, limits: dict[str, int], query: str) -> list[Card]:
    return [
        Card(
            row=row,
            pipeline=pipeline,
            can_edit=can_edit_person(user, row),
            limit=limits.get(getattr(row, pipeline.status_field)),
            query=query,
        )
        for row in rows
    ]


def _column_page(
    request: HttpRequest, pipeline: Pipeline, queryset: QuerySet, status: str, *, after: str | None = None
):
    rows = queryset.filter(**{pipeline.status_field: status})
    size = CARDS_PER_COLUMN if after else FIRST_CARDS
    return keyset_paginate(rows, ordering=_column_ordering(pipeline, status), per_page=size, after=after)


def _more_url(pipeline: Pipeline, status: str, query: str, cursor: str | None) -> str:
    if not cursor:
        return ""
    url = reverse("pipelines:column", args=[pipeline.key, status])
    return f"{url}?{'&'.join(part for part in (query, f'after={cursor}') if part)}"


def _filterset(request: HttpRequest, pipeline: Pipeline, params: QueryDict) -> PipelineFilter:
    return PipelineFilter(
        params,
        queryset=pipeline_cards(pipeline),
        request=request,
        pipeline=pipeline,
        users=list(assignable_users()),
    )


def _respond(
    request: HttpRequest, template: str, partial: str, context: dict, status: int = 200
) -> HttpResponse:
    """The whole page, or for htmx (not a history restore) the named partial and the flash region."""
    if request.htmx and not request.htmx.history_restore_request:
        body = render_to_string(f"{template}#{partial}", context, request=request)
        body += render_to_string("components/flash.html", {}, request=request)
        response = HttpResponse(body, status=status)
    else:
        response = render(request, template, context, status=status)
    patch_vary_headers(response, ("HX-Request", "HX-History-Restore-Request"))
    return response


def _page_context(request: HttpRequest, pipeline: Pipeline, filterset: PipelineFilter, view: str) -> dict:
    query = _filter_query(request.GET)
    return {
        "pipeline": pipeline,
        "pipelines": PIPELINES.values(),
        "filter": filterset,
        "form": filterset.form,
        "view": view,
        "query": query,
        "board_url": _with_query(reverse("pipelines:board", args=[pipeline.key]), query),
        "table_url": _with_query(reverse("pipelines:table", args=[pipeline.key]), query),
        "numbers_url": reverse("pipelines:numbers", args=[pipeline.key]),
        "filter_count": filterset.active_filter_count(),
        "cards_per_column": CARDS_PER_COLUMN,
        "board_base": reverse("pipelines:board", args=[pipeline.key]),
        "table_base": reverse("pipelines:table", args=[pipeline.key]),
    }


# --- Board ---------------------------------------------------------------------------------------


@require_GET
def board(request: HttpRequest, pipeline: str) -> HttpResponse:
    current = _pipeline_or_404(pipeline)
    filterset = _filterset(request, current, request.GET)
    context = _page_context(request, current, filterset, "board")
    if not filterset.is_valid():
        context.update(filters_invalid=True, columns=[])
        return _respond(request, "pipelines/board.html", "board", context, status=422)
    queryset = filterset.qs
    counts = column_counts(queryset, current)
    limits = stage_limits(current)
    columns = []
    for status in current.statuses.values:
        page = _column_page(request, current, queryset, status)
        columns.append(
            Column(
                pipeline=current,
                status=status,
                count=counts[status],
                cards=_cards(request.user, current, page.object_list, limits, context["query"]),
                more_url=_more_url(current, status, context["query"], page.next_cursor),
                limit=limits.get(status),
            )
        )
    context.update(filters_invalid=False, columns=columns)
    response = _respond(request, "pipelines/board.html", "board", context)
    if request.htmx and not request.htmx.history_restore_request:
        push_url(response, context["board_url"])
    return response


@require_GET
def column_more(request: HttpRequest, pipeline: str, status: str) -> HttpResponse:
    """A column's next cards (htmx: they replace the "Show more" link) or, without JS, a page of them."""
    current = _pipeline_or_404(pipeline)
    if status not in current.statuses.values:
        raise Http404("No such stage.")
    filterset = _filterset(request, current, request.GET)
    if not filterset.is_valid():
        return HttpResponse("Those filters are not valid; reload the board.", status=422)
    query = _filter_query(request.GET)
    try:
        page = _column_page(request, current, filterset.qs, status, after=request.GET.get("after") or None)
    except InvalidCursor as error:
        return HttpResponse(f"{error} Reload the board.", status=400)
    limits = stage_limits(current)
    column = Column(
        pipeline=current,
        status=status,
        count=ColumnCount(0, False),
        cards=_cards(request.user, current, page.object_list, limits, query),
        more_url=_more_url(current, status, query, page.next_cursor),
        limit=limits.get(status),
    )
    context = {**_page_context(request, current, filterset, "board"), "column": column}
    if request.htmx:
        return render(request, "pipelines/board.html#more_cards", context)
    return render(request, "pipelines/column.html", context)


# --- Table ---------------------------------------------------------------------------------------

TABLE_ORDERINGS = {
    "entered": KeysetOrdering("entered", ("stage_entered_at",)),
    "-entered": KeysetOrdering("-entered", ("stage_entered_at",), descending=True),
    "name": KeysetOrdering("name", ("last_name", "first_name")),
    "-name": KeysetOrdering("-name", ("last_name", "first_name"), descending=True),
    "created": KeysetOrdering("created", ("created_at",)),
    "-created": KeysetOrdering("-created", ("created_at",), descending=True),
}


@require_GET
def table(request: HttpRequest, pipeline: str) -> HttpResponse:
    current = _pipeline_or_404(pipeline)
    filterset = _filterset(request, current, request.GET)
    context = _page_context(request, current, filterset, "table")
    sort = request.GET.get("sort") or "entered"
    notices = []
    if sort not in TABLE_ORDERINGS:
        notices.append("That sort order is not offered; the table is sorted by time in stage, longest first.")
        sort = "entered"
    context.update(sort=sort, notices=notices)
    if not filterset.is_valid():
        context.update(filters_invalid=True, cards=[])
        return _respond(request, "pipelines/table.html", "table", context, status=422)
    searching = bool(request.GET.get("q", "").strip())
    pages = {"after": request.GET.get("after") or None, "before": request.GET.get("before") or None}
    ordering = TABLE_ORDERINGS[sort]
    try:
        page = keyset_paginate(
            filterset.qs, ordering=ordering, per_page=TABLE_PAGE_SIZE, ids_first=searching, **pages
        )
    except InvalidCursor as error:
        notices.append(f"{error} Showing the first page.")
        page = keyset_paginate(filterset.qs, ordering=ordering, per_page=TABLE_PAGE_SIZE, ids_first=searching)
    limits = stage_limits(current)
    base = _with_query(reverse("pipelines:table", args=[current.key]), context["query"])
    joiner = "&" if "?" in base else "?"
    sort_part = f"sort={sort}&" if sort != "entered" else ""
    context.update(
        filters_invalid=False,
        cards=_cards(request.user, current, page.object_list, limits, context["query"]),
        prev_url=f"{base}{joiner}{sort_part}before={page.previous_cursor}" if page.has_previous else "",
        next_url=f"{base}{joiner}{sort_part}after={page.next_cursor}" if page.has_next else "",
        page_summary=f"{len(page)} on this page" + (", more on the next" if page.has_next else ""),
    )
    response = _respond(request, "pipelines/table.html", "table", context)
    if request.htmx and not request.htmx.history_restore_request:
        push_url(response, request.get_full_path())
    return response


# --- Pipeline numbers -----------------------------------------------------------------------------


def _numbers_summary(pipeline: Pipeline, stages: list) -> str:
    """One line for the closed panel: how many came in, and how many ended in each closed stage."""
    first, *_ = stages
    ends = [f"{stage.entered:,} {stage.label.lower()}" for stage in stages if stage.closed]
    return ", ".join([f"{first.entered:,} {first.label.lower()}", *ends])


@require_GET
def numbers(request: HttpRequest, pipeline: str) -> HttpResponse:
    current = _pipeline_or_404(pipeline)
    period = request.GET.get("period") or DEFAULT_PERIOD
    if period not in PERIODS:
        return HttpResponse("Choose a period of 7, 30, 90 or 365 days.", status=400)
    end = timezone.now()
    start = end - dt.timedelta(days=PERIODS[period])
    stages = pipeline_numbers(pipeline=current, start=start, end=end)
    widest = max((stage.entered for stage in stages), default=0) or 1
    context = {
        "pipeline": current,
        # Each stage with its funnel bar's width, in percent of the stage most cards entered.
        "rows": [(stage, round(100 * stage.entered / widest, 1)) for stage in stages],
        "period": period,
        "days": PERIODS[period],
        "periods": PERIODS,
        "summary": _numbers_summary(current, stages),
        # The page without JavaScript, and a period chosen on the board, show the table open.
        "open": not request.htmx or request.GET.get("open") == "1",
        "start": start,
        "end": end,
        "numbers_url": reverse("pipelines:numbers", args=[current.key]),
        "board_url": reverse("pipelines:board", args=[current.key]),
    }
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "pipelines/numbers.html#numbers", context)
    return render(request, "pipelines/numbers.html", context)


# --- Moving a card ---------------------------------------------------------------------------------


def _person_holding(user: User, pipeline: Pipeline, pk: uuid.UUID) -> Person:
    person = person_get_for_user(user=user, pk=pk, related=(pipeline.role,))
    if not getattr(person, ROLE_FLAGS[pipeline.role]):
        raise Http404(f"{person.full_name} is not a {pipeline.role}.")
    return person


def _next_url(request: HttpRequest, pipeline: Pipeline) -> str:
    """Where a plain form goes back to: the page it came from, if on this site, else the board."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, {request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return _with_query(reverse("pipelines:board", args=[pipeline.key]), _filter_query(request.GET))


def _refusal(request: HttpRequest, message: str, status: int) -> HttpResponse:
    """A refused move for htmx: only the message, in the flash region; the script puts the card back."""
    messages.error(request, message)
    body = render_to_string("components/flash.html", {"oob": True}, request=request)
    response = HttpResponse(body, status=status)
    # Only the message is swapped (out of band): the card an htmx form targets stays as it is.
    response["HX-Reswap"] = "none"
    return response


def _card_row(pipeline: Pipeline, pk: uuid.UUID) -> Model:
    return pipeline_cards(pipeline).get(pk=pk)


def _moved_response(request: HttpRequest, pipeline: Pipeline, pk: uuid.UUID) -> HttpResponse:
    """The card as it is now, then every column's count (the board's filters) out of band."""
    query = _filter_query(request.GET)
    row = _card_row(pipeline, pk)
    limits = stage_limits(pipeline)
    [card] = _cards(request.user, pipeline, [row], limits, query)
    filterset = _filterset(request, pipeline, request.GET)
    counts = column_counts(filterset.qs, pipeline) if filterset.is_valid() else {}
    context = {"card": card, "pipeline": pipeline, "counts": counts, "query": query}
    body = render_to_string("pipelines/board.html#moved", context, request=request)
    body += render_to_string("components/flash.html", {"oob": True}, request=request)
    return HttpResponse(body)


def _detail_fields(form: MoveForm, wanted: dict | None = None) -> list:
    """The move's own fields (a date, a reason…), and any a refusal named."""
    return [form[name] for name in DETAIL_FIELDS if name in form.asks() or name in (wanted or {})]


def _move_page(request: HttpRequest, context: dict, status: int) -> HttpResponse:
    if request.htmx:
        response = render(request, "pipelines/move.html#dialog", context, status=status)
        response["X-Orca-Dialog"] = "move"
        return response
    return render(request, "pipelines/move.html", context, status=status)


@require_http_methods(["GET", "POST"])
def move(request: HttpRequest, pipeline: str, pk: uuid.UUID) -> HttpResponse:
    current = _pipeline_or_404(pipeline)
    person = _person_holding(request.user, current, pk)
    extension = getattr(person, current.role)
    if not can_edit_person(request.user, person):
        message = "You can only move cards of persons assigned to you or unassigned."
        if request.htmx:
            return _refusal(request, message, 403)
        raise PermissionDenied(message)
    reasons = lost_reasons(extension)
    data = request.POST if request.method == "POST" else None
    initial = {"to": request.GET.get("to", ""), "version": extension.updated_at.isoformat()}
    form = MoveForm(data, initial=initial, pipeline=current, reasons=reasons)
    status_now = getattr(extension, current.status_field)
    context = {
        "pipeline": current,
        "person": person,
        "form": form,
        "status_now": status_now,
        "status_now_label": current.label(status_now),
        "next": _next_url(request, current),
        "move_url": request.get_full_path(),
        "detail_fields": _detail_fields(form),
        "target_label": current.label(form.target) if form.target in current.statuses.values else "",
        "allowed_moves": [(status, current.label(status)) for status in current.allowed_from(status_now)],
    }
    if request.method == "GET":
        return _move_page(request, context, 200)
    if not form.is_valid():
        return _move_page(request, context, 422)
    try:
        pipeline_move(
            pipeline=current,
            person=person,
            status=form.cleaned_data["to"],
            actor=request.user,
            details=form.details(),
            expected_updated_at=form.cleaned_data["version"],
        )
    except ConcurrentEditError as error:
        if request.htmx:
            # The card as it is now (in the column it is in now), so the board stops showing an
            # old state that every retry would find stale again.
            messages.error(request, error.message)
            response = _moved_response(request, current, pk)
            response.status_code = 409
            response["X-Orca-Card"] = "current"
            return response
        form.add_error(None, error.message)
        return _move_page(request, context, 409)
    except MoveNeedsDetails as error:
        # A drop on a column sends none of the detail fields: the dialog then just asks. A form
        # that had them (the dialog, the move page) is told what is missing.
        if any(name in request.POST for name in form.asks()):
            for name, errors in error.message_dict.items():
                form.add_error(name, errors)
        return _move_page(
            request, {**context, "detail_fields": _detail_fields(form, error.message_dict)}, 422
        )
    except ValidationError as error:
        text = " ".join(error.messages)
        if request.htmx:
            return _refusal(request, text, 422)
        form.add_error(None, text)
        return _move_page(request, context, 422)
    messages.success(request, f"{person.full_name} moved to {current.label(form.cleaned_data['to'])}.")
    if request.htmx:
        return _moved_response(request, current, pk)
    return see_other(context["next"])


# --- Check-in and appointment ------------------------------------------------------------------------


@require_POST
def check_in(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Record a member's check-in, from a member card or the person page."""
    person = _person_holding(request.user, MEMBERS, pk)
    form = CheckInForm(request.POST)
    back = request.POST.get("next") or reverse("persons:detail", args=[pk])
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, require_https=request.is_secure()):
        back = reverse("persons:detail", args=[pk])
    try:
        if not form.is_valid():
            raise ValidationError(" ".join(message for errors in form.errors.values() for message in errors))
        member = member_check_in(
            person=person, actor=request.user, class_name=form.cleaned_data["class_name"]
        )
    except ValidationError as error:
        if request.htmx:
            return _refusal(request, " ".join(error.messages), 422)
        messages.error(request, " ".join(error.messages))
        return see_other(back)
    visits, streak = member.check_in_count, member.attendance_streak
    messages.success(
        request,
        f"{person.full_name} checked in ({visits} visit{pluralize(visits)}, "
        f"a streak of {streak} day{pluralize(streak)}).",
    )
    if request.htmx:
        return _moved_response(request, MEMBERS, pk)
    return see_other(back)


@require_GET
def appointment_ics(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    person = _person_holding(request.user, REFERRALS, pk)
    referral = person.referral
    if referral.appointment_date is None:
        raise Http404(f"{person.full_name} has no appointment booked.")
    row = _card_row(REFERRALS, pk)
    body = referral_appointment_ics(person=person, referral=referral, referrers=list(row.referrer_names))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="appointment-{pk}.ics"'
    return response


urlpatterns = [
    path("members/<uuid:pk>/check-in/", check_in, name="check_in"),
    path("referrals/<uuid:pk>/appointment.ics", appointment_ics, name="appointment_ics"),
    path("<slug:pipeline>/", board, name="board"),
    path("<slug:pipeline>/table/", table, name="table"),
    path("<slug:pipeline>/numbers/", numbers, name="numbers"),
    path("<slug:pipeline>/columns/<slug:status>/", column_more, name="column"),
    path("<slug:pipeline>/<uuid:pk>/move/", move, name="move"),
]
