"""The people list: search, filters, sort, keyset paging and bulk actions.

GET /people/ renders the whole page, or for an htmx request only the results region
(persons/list.html#results) plus the filter fields and the flash region out of band, so the
filter form shows its errors beside the fields while the search box keeps its caret. A history
restore (back button after the cache dropped the page) gets the whole page.

POST /people/bulk/?<the list's query string> applies one action to the ticked rows or to everyone
matching the list's filters, then answers with the refreshed results (htmx) or a redirect back to
the same list (plain form).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import push_url

from extensions.services import ROLES
from orca.users.models import User
from orca.users.selectors import assignable_users
from persons.models import ROLE_FLAGS, Person
from persons.services import (
    person_bulk_add_tag,
    person_bulk_assign,
    person_bulk_remove_tag,
    person_bulk_set_do_not_contact,
)

from ..filters import (
    ADD_TAG,
    ASSIGN,
    CLEAR_DO_NOT_CONTACT,
    DEFAULT_PER_PAGE,
    LIST_OPTION_PARAMS,
    MATCHING,
    PER_PAGE_CHOICES,
    REMOVE_TAG,
    SET_DO_NOT_CONTACT,
    BulkActionForm,
    ListOptionsForm,
    PersonFilter,
)
from ..pagination import InvalidCursor, KeysetPage, keyset_paginate
from ..selectors import person_list_ordering, person_list_queryset, person_list_searched
from .person import format_phone

# --- Rows ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoleStatus:
    role: str
    status: str
    label: str


@dataclass(frozen=True)
class Row:
    person: Person
    phone: str
    roles: list[RoleStatus]
    follow_up_due: bool

    @property
    def email_parts(self) -> tuple[str, str]:
        """The email split before its "@", where a narrow column may break the line."""
        local, at, domain = self.person.email.partition("@")
        return local, f"{at}{domain}"


def _role_statuses(person: Person) -> list[RoleStatus]:
    """The status of each role the person holds now (a dropped role's extension is not shown)."""
    statuses = []
    for role, spec in ROLES.items():
        if not getattr(person, ROLE_FLAGS[role]):
            continue
        try:
            extension = getattr(person, role)
        except spec.extension.DoesNotExist:
            statuses.append(RoleStatus(role=role, status="", label=""))
            continue
        label = getattr(extension, f"get_{spec.status_field}_display")()
        statuses.append(RoleStatus(role=role, status=getattr(extension, spec.status_field), label=label))
    return statuses


def _rows(persons: list[Person]) -> list[Row]:
    now = timezone.now()
    return [
        Row(
            person=person,
            phone=format_phone(person.phone),
            roles=_role_statuses(person),
            follow_up_due=bool(person.next_scheduled_contact and person.next_scheduled_contact <= now),
        )
        for person in persons
    ]


# --- The list ---------------------------------------------------------------------------------------


def _list_url(params: QueryDict, **changes: Any) -> str:
    """The list's URL with `params` changed: a value of None drops the parameter.

    Empty parameters (the filter form sends every field) are left out, so the URLs pushed to
    the address bar and shared are short and say only what is filtered.
    """
    query = params.copy()
    for name in list(query):
        kept = [value for value in query.getlist(name) if value != ""]
        if kept:
            query.setlist(name, kept)
        else:
            del query[name]
    for name, value in changes.items():
        query.pop(name, None)
        if value is not None:
            query[name] = str(value)
    encoded = query.urlencode()
    return reverse("persons:list") + (f"?{encoded}" if encoded else "")


def _filter_params(params: QueryDict) -> QueryDict:
    """The list's parameters without sort, page size and cursors: what "matching" means."""
    query = params.copy()
    for name in LIST_OPTION_PARAMS:
        query.pop(name, None)
    return query


def _options(params: QueryDict, *, searching: bool, notices: list[str]) -> tuple[str, int]:
    """Sort key and page size; a value the list does not offer falls back to the default."""
    form = ListOptionsForm(params)
    form.is_valid()
    default_sort = "relevance" if searching else "name"
    if "sort" in form.errors:
        notices.append("That sort order is not offered; the list is sorted by the default.")
    if "per_page" in form.errors:
        notices.append(f"That page size is not offered; showing {DEFAULT_PER_PAGE} per page.")
    sort = form.cleaned_data.get("sort") or default_sort
    if sort == "relevance" and not searching:
        sort = "name"
    return sort, form.cleaned_data.get("per_page") or DEFAULT_PER_PAGE


def _paginate(
    queryset: QuerySet[Person], params: QueryDict, sort: str, per_page: int, notices: list[str]
) -> KeysetPage:
    # A search's matches are sorted, not read from an index in order: picking the page's ids
    # first keeps that sort to narrow rows and bounded by the page (see web.pagination).
    ids_first = person_list_searched(queryset)
    queryset, ordering = person_list_ordering(queryset, sort)
    try:
        return keyset_paginate(
            queryset,
            ordering=ordering,
            per_page=per_page,
            after=params.get("after") or None,
            before=params.get("before") or None,
            ids_first=ids_first,
        )
    except InvalidCursor as error:
        notices.append(f"{error} Showing the first page.")
        return keyset_paginate(queryset, ordering=ordering, per_page=per_page, ids_first=ids_first)


def list_context(request: HttpRequest, params: QueryDict) -> tuple[dict[str, Any], int]:
    """Everything persons/list.html needs for these list parameters, and the status to answer with."""
    users = list(assignable_users())
    filterset = PersonFilter(params, queryset=person_list_queryset(), request=request, users=users)
    searching = bool(params.get("q", "").strip())
    notices: list[str] = []
    sort, per_page = _options(params, searching=searching, notices=notices)
    list_url = reverse("persons:list")
    context: dict[str, Any] = {
        "filter": filterset,
        "list_url": list_url,
        "header_actions": [{"label": "Add person", "url": reverse("persons:create"), "style": "primary"}],
        # Only a sort or page size the user chose rides along with the filter form, so that a new
        # search falls back to "best match" unless a column was picked.
        "sort_param": sort if params.get("sort") == sort else "",
        "per_page_param": per_page if params.get("per_page") == str(per_page) else "",
        "form": filterset.form,
        "sort": sort,
        "per_page": per_page,
        "searching": searching,
        "per_page_links": [
            {"size": size, "url": _list_url(params, per_page=size, after=None, before=None)}
            for size, _ in PER_PAGE_CHOICES
        ],
        "bulk_url": reverse("persons:bulk") + (f"?{params.urlencode()}" if params else ""),
        "bulk_form": BulkActionForm(users=users),
    }
    if not filterset.is_valid():
        context.update(filters_invalid=True, rows=[], page=None, notices=notices)
        return context, 422
    page = _paginate(filterset.qs, params, sort, per_page, notices)
    context.update(
        filters_invalid=False,
        page=page,
        rows=_rows(page.object_list),
        filtered=bool(_filter_params(params)),
        filter_count=filterset.active_filter_count(),
        first_page_url=_list_url(params, after=None, before=None),
        page_summary=f"{len(page)} on this page" + (", more on the next" if page.has_next else ""),
        prev_url=_list_url(params, before=page.previous_cursor, after=None) if page.has_previous else "",
        next_url=_list_url(params, after=page.next_cursor, before=None) if page.has_next else "",
        notices=notices,
    )
    return context, 200


def _results_response(request: HttpRequest, context: dict[str, Any], status: int) -> HttpResponse:
    """The results region, then the filter fields and the flash region out of band (htmx)."""
    body = render_to_string("persons/list.html#results", context, request=request)
    body += render_to_string("persons/list.html#out_of_band", context, request=request)
    return HttpResponse(body, status=status)


def _respond(request: HttpRequest, context: dict[str, Any], status: int) -> HttpResponse:
    if request.htmx and not request.htmx.history_restore_request:
        response = _results_response(request, context, status)
    else:
        response = HttpResponse(
            render_to_string("persons/list.html", context, request=request), status=status
        )
    # One URL answers with a fragment or a page depending on HX-Request: caches must keep both.
    patch_vary_headers(response, ("HX-Request", "HX-History-Restore-Request"))
    return response


@require_GET
def people_list(request: HttpRequest) -> HttpResponse:
    context, status = list_context(request, request.GET)
    response = _respond(request, context, status)
    if request.htmx and not request.htmx.history_restore_request:
        push_url(response, _list_url(request.GET))
    return response


# --- Bulk actions --------------------------------------------------------------------------------


def _plural(count: int) -> str:
    return f"{count} {'person' if count == 1 else 'people'}"


def _apply(form: BulkActionForm, persons: QuerySet[Person], actor: User) -> str:
    """Run the chosen service; the sentence that tells what happened."""
    action = form.cleaned_data["action"]
    if action == ASSIGN:
        assignee = form.assignee_user
        count = person_bulk_assign(persons=persons, assignee=assignee, actor=actor)
        return f"Assigned {_plural(count)} to {assignee}." if assignee else f"Unassigned {_plural(count)}."
    if action == ADD_TAG:
        tag = form.cleaned_data["tag"]
        count = person_bulk_add_tag(persons=persons, tag=tag, actor=actor)
        return f"Tag “{tag}” added to {_plural(count)} who did not have it yet."
    if action == REMOVE_TAG:
        tag = form.cleaned_data["tag"]
        count = person_bulk_remove_tag(persons=persons, tag=tag, actor=actor)
        return f"Tag “{tag}” removed from {_plural(count)} who had it."
    if action == SET_DO_NOT_CONTACT:
        until = form.until_datetime
        count = person_bulk_set_do_not_contact(persons=persons, until=until, actor=actor)
        return f"{_plural(count).capitalize()} not to be contacted until {until:%-d %b %Y}."
    assert action == CLEAR_DO_NOT_CONTACT
    count = person_bulk_set_do_not_contact(persons=persons, until=None, actor=actor)
    return f"Do-not-contact cleared for {_plural(count)}."


def _bulk_targets(request: HttpRequest, form: BulkActionForm, users: list[User]) -> QuerySet[Person]:
    """The ticked persons, or everyone the list's filters match. ValidationError for bad filters."""
    if form.cleaned_data["scope"] != MATCHING:
        return Person.objects.filter(pk__in=form.cleaned_data["ids"])
    filterset = PersonFilter(
        _filter_params(request.GET), queryset=Person.objects.all(), request=request, users=users
    )
    if not filterset.is_valid():
        raise ValidationError("The list's filters are not valid; correct them before acting on everyone.")
    # A plain queryset of ids: the services' UPDATEs need none of the search's annotations.
    return Person.objects.filter(pk__in=filterset.qs.values("pk"))


def _bulk_refused(request: HttpRequest, errors: list[str], status: int) -> HttpResponse:
    """Nothing was written: say why in the flash region (htmx) or on the re-rendered list page."""
    for error in errors:
        messages.error(request, error)
    if request.htmx:
        response = HttpResponse(
            render_to_string("components/flash.html", {"oob": True}, request=request), status=status
        )
        # Keep the results and the ticks as they are; only the flash region changes.
        response["HX-Reswap"] = "none"
        return response
    context, _ = list_context(request, request.GET)
    return HttpResponse(render_to_string("persons/list.html", context, request=request), status=status)


@require_POST
def people_bulk(request: HttpRequest) -> HttpResponse:
    users = list(assignable_users())
    form = BulkActionForm(request.POST, users=users)
    if not form.is_valid():
        return _bulk_refused(request, form.error_messages_text(), 422)
    try:
        persons = _bulk_targets(request, form, users)
        summary = _apply(form, persons, request.user)
    except PermissionDenied as error:
        return _bulk_refused(request, [str(error) or "You may not change these people."], 403)
    except ValidationError as error:
        return _bulk_refused(request, error.messages, 422)
    messages.success(request, summary)
    if request.htmx:
        context, status = list_context(request, request.GET)
        return _respond(request, context, status)
    # 303: the browser follows with a GET, so reloading the list does not post again.
    return HttpResponseRedirect(_list_url(request.GET), status=303)


urlpatterns = [
    path("", people_list, name="list"),
    path("bulk/", people_bulk, name="bulk"),
]
