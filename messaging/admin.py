"""The admin for messaging: templates and blasts are edited here; messages are only looked at.

Messages are records of what was sent, written by the sending pipeline (claim before send): a
message typed or edited here could be sent twice or lost, so the message admin is read-only.
The blast's sending fields (started, completed, recipient count) belong to that pipeline too.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.template import Template, TemplateSyntaxError

from persons.admin import LargeTableMixin, PersonSearchMixin, RecordTimesMixin, ServiceErrorsMixin

from .models import Blast, BlastStatus, Channel, Message, MessageTemplate
from .services import message_template_create

# A manager drafts, schedules or cancels a blast; the pipeline moves it through the rest.
MANAGER_BLAST_STATUSES = (BlastStatus.DRAFT, BlastStatus.SCHEDULED, BlastStatus.CANCELLED)


def check_template_text(*, message_type: str, subject: str, content: str) -> None:
    """The checks message_template_create makes, for edits (which have no service of their own)."""
    if message_type == Channel.EMAIL and not subject.strip():
        raise ValidationError({"subject": "An email template needs a subject."})
    for name, text in (("subject", subject), ("content", content)):
        try:
            Template(text)
        except TemplateSyntaxError as error:
            raise ValidationError({name: f"Template syntax error: {error}"}) from error


class MessageTemplateAdminForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            check_template_text(
                message_type=cleaned.get("message_type", ""),
                subject=cleaned.get("subject", ""),
                content=cleaned.get("content", ""),
            )
        return cleaned


@admin.register(MessageTemplate)
class MessageTemplateAdmin(ServiceErrorsMixin, admin.ModelAdmin):
    form = MessageTemplateAdminForm
    list_display = ("name", "message_type", "subject", "is_active", "created_by", "updated_at")
    list_filter = ("message_type", "is_active")
    search_fields = ("name", "subject")
    list_select_related = ("created_by",)
    # A few hundred templates at most, so the date drill-down's SELECT DISTINCT is cheap here.
    date_hierarchy = "created_at"
    readonly_fields = ("created_by", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": (("name", "message_type"), "subject", "content", "is_active")}),
        ("Record", {"fields": ("created_by", ("created_at", "updated_at"))}),
    )
    add_fieldsets = ((None, {"fields": (("name", "message_type"), "subject", "content")}),)

    def get_fieldsets(self, request: HttpRequest, obj: MessageTemplate | None = None):
        return self.fieldsets if obj is not None else self.add_fieldsets

    def save_model(
        self, request: HttpRequest, obj: MessageTemplate, form: forms.ModelForm, change: bool
    ) -> None:
        if change:
            obj.save()
            return
        saved = message_template_create(
            name=obj.name,
            message_type=obj.message_type,
            subject=obj.subject,
            content=obj.content,
            actor=request.user,
        )
        obj.pk = saved.pk
        obj.refresh_from_db()
        obj._state.adding = False


class BlastAdminForm(forms.ModelForm):
    def clean_status(self) -> str:
        status = self.cleaned_data["status"]
        if status not in MANAGER_BLAST_STATUSES:
            raise ValidationError(
                "A blast is drafted, scheduled or cancelled here; sending moves it on from there."
            )
        return status

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == BlastStatus.SCHEDULED and not cleaned.get("scheduled_at"):
            self.add_error("scheduled_at", "A scheduled blast needs the time to send it.")
        if not cleaned.get("template") and not (cleaned.get("content") or "").strip():
            self.add_error("content", "Choose a template or write the content.")
        template = cleaned.get("template")
        if (
            template is not None
            and cleaned.get("message_type")
            and template.message_type != cleaned["message_type"]
        ):
            self.add_error("template", "The template is for another channel than the blast.")
        return cleaned


@admin.register(Blast)
class BlastAdmin(RecordTimesMixin, admin.ModelAdmin):
    form = BlastAdminForm
    list_display = (
        "name",
        "message_type",
        "status",
        "scheduled_at",
        "recipient_count",
        "created_by",
        "created_at",
    )
    list_filter = ("status", "message_type")
    search_fields = ("name", "subject")
    autocomplete_fields = ("template",)
    list_select_related = ("created_by", "template")
    # Blasts number in the hundreds, so the date drill-down's SELECT DISTINCT is cheap here.
    date_hierarchy = "created_at"
    readonly_fields = (
        "started_at",
        "completed_at",
        "recipient_count",
        "created_by",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": (("name", "message_type"), "template", "subject", "content", "segment")}),
        (
            "Sending",
            {"fields": (("status", "scheduled_at"), ("started_at", "completed_at"), "recipient_count")},
        ),
        ("Record", {"fields": ("created_by", ("created_at", "updated_at"))}),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Blast | None = None):
        if obj is not None and obj.status not in MANAGER_BLAST_STATUSES:
            # Sending, sent or failed: the pipeline's now.
            return (
                *self.readonly_fields,
                "status",
                "scheduled_at",
                "segment",
                "template",
                "subject",
                "content",
            )
        return self.readonly_fields

    def save_model(self, request: HttpRequest, obj: Blast, form: forms.ModelForm, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Message)
class MessageAdmin(PersonSearchMixin, LargeTableMixin, admin.ModelAdmin):
    list_display = (
        "recipient",
        "message_type",
        "subject",
        "status",
        "is_blast",
        "sender",
        "sent_at",
        "created_at",
    )
    list_filter = ("status", "message_type", "is_blast", "blast")
    search_fields = ("recipient__first_name", "recipient__last_name", "recipient__email")
    search_help_text = "The recipient's name, email or phone number."
    person_search_paths = ("recipient",)
    autocomplete_fields = ("sender", "recipient", "blast", "template", "response")
    list_select_related = ("recipient", "sender")
    # messages_created_idx, read backwards.
    ordering = ("-created_at", "-id")
    sortable_by = ()
    fieldsets = (
        (None, {"fields": (("recipient", "sender"), ("message_type", "status"), "subject", "content")}),
        ("Delivery", {"fields": (("sent_at", "delivered_at", "read_at"), ("has_response", "response"))}),
        (
            "Origin",
            {
                "fields": (
                    ("is_blast", "blast"),
                    ("template", "campaign_id"),
                    "personalization_data",
                    "metadata",
                )
            },
        ),
        ("Record", {"fields": (("created_at", "updated_at"),)}),
    )

    # A message record goes only with its recipient (deleting the person deletes their messages).
    deleted_with_person = True

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
