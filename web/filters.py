"""The people list's filter form (django-filter), its sort and page-size options, and the bulk action form.

Every filter here is answered by an index: the role flags by partial indexes, assigned_to by
persons_assigned_idx, tags by the GIN index on the array, statuses by the extension tables' status
indexes (joined through their unique person_id), the date ranges by the (column, id) sort indexes.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from extensions.choices import LeadStatus, MembershipStatus, ReferralStatus
from orca.users.models import User
from persons.choices import AcquisitionSource, InterestLevel
from persons.models import ROLE_FLAGS, Person
from persons.selectors import person_search

from .forms import ROLE_CHOICES, DateInput

YES_NO = [("yes", "Yes"), ("no", "No")]
ASSIGNED_TO_ME = "me"
UNASSIGNED = "unassigned"

SORT_CHOICES = [
    ("name", "Name (A–Z)"),
    ("-name", "Name (Z–A)"),
    ("created", "Added (oldest first)"),
    ("-created", "Added (newest first)"),
    ("last_contacted", "Last contacted (earliest first)"),
    ("-last_contacted", "Last contacted (latest first)"),
    ("next_contact", "Next contact (soonest first)"),
    ("-next_contact", "Next contact (latest first)"),
    ("relevance", "Best match (with a search)"),
]
PER_PAGE_CHOICES = [(10, "10"), (25, "25"), (50, "50"), (100, "100")]
DEFAULT_PER_PAGE = 25

# Sort, page size and the paging cursors ride along in the list's URL but are not filters.
LIST_OPTION_PARAMS = ("sort", "per_page", "after", "before")


def user_choices(users: Iterable[User]) -> list[tuple[str, str]]:
    return [(str(user.pk), str(user)) for user in users]


def _start_of_day(day: dt.date) -> dt.datetime:
    """Midnight at the start of `day` in the club's time zone, as an aware datetime."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _on_or_before(column: str, day: dt.date) -> Q:
    """`column` falls on `day` or earlier (club time): before the start of the next day.

    The last day a date field accepts (9999-12-31) has no next day; every time Python can hold is
    on or before it, so only an empty column is left out, as `<` leaves out NULL for other days.
    """
    if day == dt.date.max:
        return Q(**{f"{column}__isnull": False})
    return Q(**{f"{column}__lt": _start_of_day(day + dt.timedelta(days=1))})


def _yes_no(value: str) -> bool:
    return value == "yes"


class DateRangesForm(forms.Form):
    """A filter form whose `<prefix>_after` / `<prefix>_before` date pairs must not run backwards."""

    date_ranges: tuple[tuple[str, str], ...] = ()  # (field prefix, what the dates are of)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for prefix, label in self.date_ranges:
            start, end = cleaned.get(f"{prefix}_after"), cleaned.get(f"{prefix}_before")
            if start and end and start > end:
                self.add_error(f"{prefix}_before", f"The {label} “to” date is before the “from” date.")
        return cleaned


class PersonFilterForm(DateRangesForm):
    date_ranges = (("created", "added"), ("last_contacted", "last contacted"))


class PersonFilter(django_filters.FilterSet):
    """Filters of the people list. All of them combine with AND; within a multiple choice, any value."""

    q = django_filters.CharFilter(
        method="filter_search",
        label="Search",
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "Name, email or phone", "autocomplete": "off"}
        ),
    )
    role = django_filters.MultipleChoiceFilter(
        choices=ROLE_CHOICES,
        method="filter_role",
        label="Role",
        widget=forms.CheckboxSelectMultiple,
        help_text="Shows people who hold any of the ticked roles.",
    )
    assigned_to = django_filters.ChoiceFilter(
        choices=[], method="filter_assigned_to", label="Assigned to", empty_label="Anyone"
    )
    tags = django_filters.CharFilter(
        method="filter_tags",
        label="Tags",
        max_length=500,
        help_text="Separate tags with commas; shows people who have all of them.",
    )
    lead_status = django_filters.MultipleChoiceFilter(
        choices=LeadStatus.choices,
        method="filter_lead_status",
        label="Lead status",
        widget=forms.CheckboxSelectMultiple,
    )
    referral_status = django_filters.MultipleChoiceFilter(
        choices=ReferralStatus.choices,
        method="filter_referral_status",
        label="Referral status",
        widget=forms.CheckboxSelectMultiple,
    )
    membership_status = django_filters.MultipleChoiceFilter(
        choices=MembershipStatus.choices,
        method="filter_membership_status",
        label="Membership status",
        widget=forms.CheckboxSelectMultiple,
    )
    # distinct=False: these are columns of persons itself, so no row can repeat; django-filter's
    # default SELECT DISTINCT over every column made them 20x slower at a million persons.
    interest_level = django_filters.MultipleChoiceFilter(
        choices=InterestLevel.choices,
        label="Interest level",
        widget=forms.CheckboxSelectMultiple,
        distinct=False,
    )
    acquisition_source = django_filters.MultipleChoiceFilter(
        choices=AcquisitionSource.choices,
        label="Source",
        widget=forms.CheckboxSelectMultiple,
        distinct=False,
    )
    active = django_filters.ChoiceFilter(
        choices=YES_NO, method="filter_active", label="Active", empty_label="Any"
    )
    email_opt_in = django_filters.ChoiceFilter(
        choices=YES_NO, method="filter_email_opt_in", label="Email opt-in", empty_label="Any"
    )
    sms_opt_in = django_filters.ChoiceFilter(
        choices=YES_NO, method="filter_sms_opt_in", label="SMS opt-in", empty_label="Any"
    )
    created_after = django_filters.DateFilter(
        method="filter_created_after", label="Added from", widget=DateInput()
    )
    created_before = django_filters.DateFilter(
        method="filter_created_before", label="Added to", widget=DateInput()
    )
    last_contacted_after = django_filters.DateFilter(
        method="filter_last_contacted_after", label="Last contacted from", widget=DateInput()
    )
    last_contacted_before = django_filters.DateFilter(
        method="filter_last_contacted_before", label="Last contacted to", widget=DateInput()
    )
    follow_up_due = django_filters.BooleanFilter(
        method="filter_follow_up_due",
        label="Follow-up due",
        widget=forms.CheckboxInput,
        help_text="The next scheduled contact is now or earlier.",
    )

    class Meta:
        model = Person
        fields: list[str] = []
        form = PersonFilterForm

    def __init__(self, data=None, queryset=None, *, request=None, users: Iterable[User] = (), **kwargs):
        super().__init__(data, queryset, request=request, **kwargs)
        self.filters["assigned_to"].extra["choices"] = [
            (ASSIGNED_TO_ME, "Me"),
            (UNASSIGNED, "Unassigned"),
            *user_choices(users),
        ]

    # --- methods ---------------------------------------------------------------------------------

    def filter_search(self, queryset: QuerySet[Person], name: str, value: str) -> QuerySet[Person]:
        return person_search(queryset=queryset, query=value)

    def filter_role(self, queryset: QuerySet[Person], name: str, value: list[str]) -> QuerySet[Person]:
        any_role = Q()
        for role in value:
            any_role |= Q(**{ROLE_FLAGS[role]: True})
        return queryset.filter(any_role)

    def filter_assigned_to(self, queryset: QuerySet[Person], name: str, value: str) -> QuerySet[Person]:
        if value == UNASSIGNED:
            return queryset.filter(assigned_to__isnull=True)
        if value == ASSIGNED_TO_ME:
            return queryset.filter(assigned_to=self.request.user)
        return queryset.filter(assigned_to_id=value)

    def filter_tags(self, queryset: QuerySet[Person], name: str, value: str) -> QuerySet[Person]:
        tags = parse_tags(value)
        return queryset.filter(tags__contains=tags) if tags else queryset

    # A status filter shows people who hold the role now: a dropped role keeps its extension row.
    def filter_lead_status(self, queryset: QuerySet[Person], name: str, value: Any) -> QuerySet[Person]:
        return queryset.filter(is_lead=True, lead__lead_status__in=value)

    def filter_referral_status(self, queryset: QuerySet[Person], name: str, value: Any) -> QuerySet[Person]:
        return queryset.filter(is_referral=True, referral__referral_status__in=value)

    def filter_membership_status(self, queryset: QuerySet[Person], name: str, value: Any) -> QuerySet[Person]:
        return queryset.filter(is_member=True, member__membership_status__in=value)

    def filter_active(self, queryset: QuerySet[Person], name: str, value: Any) -> QuerySet[Person]:
        return queryset.filter(active_status=_yes_no(value))

    def filter_email_opt_in(self, queryset: QuerySet[Person], name: str, value: Any) -> QuerySet[Person]:
        return queryset.filter(email_opt_in=_yes_no(value))

    def filter_sms_opt_in(self, queryset: QuerySet[Person], name: str, value: Any) -> QuerySet[Person]:
        return queryset.filter(sms_opt_in=_yes_no(value))

    # Dates are whole days in the club's time zone; comparing the raw column keeps the index usable.
    def filter_created_after(self, queryset: QuerySet[Person], name: str, value: Any) -> QuerySet[Person]:
        return queryset.filter(created_at__gte=_start_of_day(value))

    def filter_created_before(self, queryset: QuerySet[Person], name: str, value: Any) -> QuerySet[Person]:
        return queryset.filter(_on_or_before("created_at", value))

    def filter_last_contacted_after(
        self, queryset: QuerySet[Person], name: str, value: Any
    ) -> QuerySet[Person]:
        return queryset.filter(last_contacted__gte=_start_of_day(value))

    def filter_last_contacted_before(
        self, queryset: QuerySet[Person], name: str, value: Any
    ) -> QuerySet[Person]:
        return queryset.filter(_on_or_before("last_contacted", value))

    def filter_follow_up_due(self, queryset: QuerySet[Person], name: str, value: Any) -> QuerySet[Person]:
        return queryset.filter(next_scheduled_contact__lte=timezone.now()) if value else queryset

    # --- for the template --------------------------------------------------------------------------

    def active_filter_count(self) -> int:
        """How many filters (not the search) narrow the list, for the panel's summary."""
        if not self.is_bound or not self.form.is_valid():
            return 0
        return sum(
            1
            for name, value in self.form.cleaned_data.items()
            if name != "q" and value not in (None, "", [], False)
        )


def parse_tags(value: str) -> list[str]:
    """Tags typed as "vip, Morning ,,trial" → ["vip", "morning", "trial"] (stored tags are lower case)."""
    seen: dict[str, None] = {}
    for tag in (value or "").split(","):
        tag = tag.strip().lower()
        if tag:
            seen[tag] = None
    return list(seen)


class ListOptionsForm(forms.Form):
    """Sort order and page size. A bad value falls back to the default (see the view)."""

    sort = forms.ChoiceField(choices=SORT_CHOICES, required=False)
    per_page = forms.TypedChoiceField(
        choices=PER_PAGE_CHOICES, coerce=int, required=False, empty_value=DEFAULT_PER_PAGE
    )


# --- Bulk actions ----------------------------------------------------------------------------------

ASSIGN, ADD_TAG, REMOVE_TAG, SET_DO_NOT_CONTACT, CLEAR_DO_NOT_CONTACT = (
    "assign",
    "add_tag",
    "remove_tag",
    "set_do_not_contact",
    "clear_do_not_contact",
)
BULK_ACTION_CHOICES = [
    (ASSIGN, "Assign to"),
    (ADD_TAG, "Add tag"),
    (REMOVE_TAG, "Remove tag"),
    (SET_DO_NOT_CONTACT, "Do not contact until"),
    (CLEAR_DO_NOT_CONTACT, "Clear do-not-contact"),
]
SELECTED, MATCHING = "selected", "matching"
SCOPE_CHOICES = [(SELECTED, "The ticked rows"), (MATCHING, "Everyone matching these filters (all pages)")]
# A page shows at most 100 rows; anything beyond is not a selection a person made.
MAX_SELECTED = 100


class UUIDListField(forms.Field):
    """Repeated `ids` values, each a person's UUID."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[uuid.UUID]:
        if not value:
            return []
        if isinstance(value, str):
            value = [value]
        try:
            return list(dict.fromkeys(uuid.UUID(str(item)) for item in value))
        except ValueError as error:
            raise forms.ValidationError("A selected row is not a person; reload the list.") from error

    def validate(self, value: list[uuid.UUID]) -> None:
        super().validate(value)
        if len(value) > MAX_SELECTED:
            raise forms.ValidationError(
                f"Select at most {MAX_SELECTED} rows, or choose everyone matching these filters."
            )


class BulkActionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("", "Choose an action…"), *BULK_ACTION_CHOICES],
        error_messages={
            "required": "Choose an action.",
            "invalid_choice": "“%(value)s” is not an action this list offers.",
        },
    )
    scope = forms.ChoiceField(
        choices=SCOPE_CHOICES,
        initial=SELECTED,
        widget=forms.RadioSelect,
        label="Apply to",
        error_messages={"required": "Choose whom to apply the action to."},
    )
    ids = UUIDListField(required=False)
    assignee = forms.ChoiceField(
        choices=[],
        required=False,
        label="Assignee",
        error_messages={"invalid_choice": "That user does not exist or cannot be assigned people."},
    )
    tag = forms.CharField(required=False, max_length=50, label="Tag")
    until = forms.DateField(required=False, label="Do not contact until", widget=DateInput())

    def __init__(self, *args, users: Iterable[User] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.users = {str(user.pk): user for user in users}
        self.fields["assignee"].choices = [
            ("", "Choose a person…"),
            (UNASSIGNED, "Nobody (unassign)"),
            *user_choices(self.users.values()),
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        action = cleaned.get("action")
        if cleaned.get("scope") == SELECTED and "ids" in cleaned and not cleaned["ids"]:
            self.add_error(
                "ids", "No rows are ticked: tick some people, or choose everyone matching these filters."
            )
        if action == ASSIGN and not cleaned.get("assignee") and "assignee" not in self.errors:
            self.add_error("assignee", "Choose whom to assign the people to.")
        if action in (ADD_TAG, REMOVE_TAG) and "tag" not in self.errors:
            cleaned["tag"] = (cleaned.get("tag") or "").strip().lower()
            if not cleaned["tag"]:
                self.add_error("tag", "Type the tag to add or remove.")
        if action == SET_DO_NOT_CONTACT and not cleaned.get("until") and "until" not in self.errors:
            self.add_error("until", "Choose the date until which nobody may contact them.")
        return cleaned

    @property
    def assignee_user(self) -> User | None:
        """The chosen user, or None for "Nobody (unassign)"."""
        return self.users.get(self.cleaned_data["assignee"])

    @property
    def until_datetime(self) -> dt.datetime | None:
        """Contact is allowed again from the start of the chosen day."""
        until = self.cleaned_data.get("until")
        return _start_of_day(until) if until else None

    def error_messages_text(self) -> list[str]:
        """Every error as one sentence, for the flash region."""
        return [str(message) for errors in self.errors.values() for message in errors]
