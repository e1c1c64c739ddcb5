"""The admin for ties between persons.

New ties go through relationships.services (referral_record for a referral, which enforces the
attribution, primary-referrer and no-loop rules and sets the level; relationship_create for the
others); changes go through relationship_update, which checks a referral's credit again. Who is
tied and how (the persons and the type) is the tie itself, so those are read-only on an existing
tie: to correct one, delete the tie and record it again.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from persons.admin import LargeTableMixin, PersonSearchMixin, RecordTimesMixin, ServiceErrorsMixin

from .models import Direction, ReferralCredit, Relationship, RelationshipType
from .services import (
    FIXED_FIELDS,
    REFERRAL_FIELDS,
    SYMMETRIC_TYPES,
    referral_counts_refresh,
    referral_record,
    relationship_create,
    relationship_update,
)

# What only a referral has (sorted: the form reports them in a stable order).
REFERRAL_ONLY = tuple(sorted(REFERRAL_FIELDS))


class RelationshipAdminForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("relationship_type")
        if "direction" in self.fields and kind:
            if kind == RelationshipType.REFERRAL:
                # Always "person A referred person B".
                cleaned["direction"] = Direction.A_TO_B
            elif "direction" not in self.changed_data:
                # Left at its default, the type decides: mutual for friends, family and the like.
                cleaned["direction"] = Direction.MUTUAL if kind in SYMMETRIC_TYPES else Direction.A_TO_B
        if self.instance._state.adding and kind and kind != RelationshipType.REFERRAL:
            for name in REFERRAL_ONLY:
                if name in self.fields and cleaned.get(name) not in (None, "", False):
                    self.add_error(name, "Only a referral has this; leave it empty for other ties.")
        return cleaned


@admin.register(Relationship)
class RelationshipAdmin(
    ServiceErrorsMixin, RecordTimesMixin, PersonSearchMixin, LargeTableMixin, admin.ModelAdmin
):
    form = RelationshipAdminForm
    list_display = (
        "person_a",
        "relationship_type",
        "person_b",
        "status",
        "attribution_percentage",
        "is_primary_referrer",
        "relationship_level",
        "referral_date",
    )
    list_display_links = ("relationship_type",)
    # Status is served by rel_status_idx, in the list's order. There is no filter by referral
    # channel: which channels bring referrals is a question of counts (a report), not of a list
    # to page through, and an index for it would cost every referral recorded.
    list_filter = ("relationship_type", "status", "is_primary_referrer")
    search_fields = (
        "person_a__first_name",
        "person_a__last_name",
        "person_b__first_name",
        "person_b__last_name",
    )
    search_help_text = "Name, email or phone number of either person."
    person_search_paths = ("person_a", "person_b")
    autocomplete_fields = ("person_a", "person_b")
    list_select_related = ("person_a", "person_b")
    # Exactly rel_a_type_b_idx: each person's ties together.
    ordering = ("person_a_id", "relationship_type", "person_b_id")
    sortable_by = ()
    fieldsets = (
        (None, {"fields": (("person_a", "relationship_type", "person_b"), "direction", "status")}),
        (
            "Referral",
            {
                "description": "For a referral: person A referred person B.",
                "fields": (
                    ("attribution_percentage", "is_primary_referrer", "relationship_level"),
                    ("referral_date", "referral_channel"),
                    ("referral_campaign", "referral_link_id"),
                ),
            },
        ),
        (None, {"fields": ("relationship_strength", "notes", ("created_at", "updated_at"))}),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Relationship | None = None):
        base = ("relationship_level", "created_at", "updated_at")
        if obj is None:
            return base
        # A referral always reads "A referred B"; other ties have no referral data to edit.
        kind_fixed = ("direction",) if obj.relationship_type == RelationshipType.REFERRAL else REFERRAL_ONLY
        return tuple(dict.fromkeys((*base, *sorted(FIXED_FIELDS), *kind_fixed)))

    def save_model(
        self, request: HttpRequest, obj: Relationship, form: forms.ModelForm, change: bool
    ) -> None:
        if change:
            data = {name: form.cleaned_data[name] for name in form.changed_data}
            relationship_update(relationship=obj, actor=request.user, data=data)
            obj.refresh_from_db()
            return
        if obj.relationship_type == RelationshipType.REFERRAL:
            saved = referral_record(
                referrer=obj.person_a,
                referred=obj.person_b,
                actor=request.user,
                attribution_percentage=obj.attribution_percentage or 100,
                is_primary_referrer=obj.is_primary_referrer,
                referral_channel=obj.referral_channel,
                referral_date=obj.referral_date,
                referral_campaign=obj.referral_campaign,
                referral_link_id=obj.referral_link_id,
                relationship_strength=obj.relationship_strength,
                status=obj.status,
                notes=obj.notes,
            )
        else:
            saved = relationship_create(
                person_a=obj.person_a,
                person_b=obj.person_b,
                relationship_type=obj.relationship_type,
                actor=request.user,
                direction=obj.direction,
                relationship_strength=obj.relationship_strength,
                status=obj.status,
                notes=obj.notes,
            )
        self.adopt_saved(obj, saved.pk)

    def delete_model(self, request: HttpRequest, obj: Relationship) -> None:
        super().delete_model(request, obj)
        if obj.relationship_type == RelationshipType.REFERRAL:
            referral_counts_refresh(person_ids=[obj.person_a_id])

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        referrers = set(
            queryset.filter(relationship_type=RelationshipType.REFERRAL).values_list("person_a_id", flat=True)
        )
        super().delete_queryset(request, queryset)
        if referrers:
            referral_counts_refresh(person_ids=referrers)


@admin.register(ReferralCredit)
class ReferralCreditAdmin(PersonSearchMixin, LargeTableMixin, admin.ModelAdmin):
    """The ledger of rewards credited when referred persons joined: written by the conversion,
    read here. Never added, changed or deleted by hand, so a credit cannot be paid twice."""

    list_display = ("referrer", "referred", "attribution_percentage", "amount", "created_at")
    list_select_related = ("referrer", "referred")
    search_fields = (
        "referrer__first_name",
        "referrer__last_name",
        "referred__first_name",
        "referred__last_name",
    )
    search_help_text = "Name, email or phone number of the referrer or the referred person."
    person_search_paths = ("referrer", "referred")
    readonly_fields = ("referrer", "referred", "attribution_percentage", "amount", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # A credit goes with its person (deleting a person in the admin asks this for each of
        # theirs), but never on its own: that would let the same conversion be credited again.
        match = request.resolver_match
        own_page = match is not None and (match.url_name or "").startswith("relationships_referralcredit_")
        return not own_page and super().has_delete_permission(request, obj)
