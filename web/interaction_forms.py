"""Forms of the interaction views: log what happened, schedule a follow-up, complete, reschedule,
snooze, and the timeline's type filter.

The forms only read and check what was typed; interactions.services does the writing and the rules
that need the database (who may, the person's contact dates).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from interactions.attachments import allowed_types
from interactions.models import Interaction, InteractionType, Outcome, Sentiment
from interactions.services import MAX_DURATION_MINUTES, Snooze
from messaging.selectors import MESSAGES

from .forms import DateTimeInput

LOG, SCHEDULE = "log", "schedule"

# What a follow-up usually is; a visit or a class is scheduled as easily.
SCHEDULE_TYPES = [
    (value, label) for value, label in InteractionType.choices if value not in (InteractionType.NOTE,)
]


def _blank_first(choices: list[tuple[str, str]], label: str) -> list[tuple[str, str]]:
    return [("", label), *choices]


class DurationField(forms.IntegerField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            required=False,
            min_value=0,
            max_value=MAX_DURATION_MINUTES,
            label="Minutes",
            widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "input--short"}),
            **kwargs,
        )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern); cleans to a list, empty when none.

    Only the size of each is read here: what a file is, and how many an interaction may hold,
    interactions.attachments decides (the services ask it), so the rule lives in one place.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        # An empty file is refused by interactions.attachments, with its name in the message.
        kwargs.setdefault("allow_empty_file", True)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list:
        single_clean = super().clean
        if isinstance(data, list | tuple):
            cleaned = [single_clean(item, initial) for item in data]
        else:
            cleaned = [single_clean(data, initial)]
        files = [file for file in cleaned if file]
        if self.required and not files:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return files


def _files_help() -> str:
    kinds = ", ".join(t.label for t in allowed_types())
    return (
        f"Up to {settings.ATTACHMENT_MAX_FILES} files of {filesizeformat(settings.ATTACHMENT_MAX_BYTES)} "
        f"each: {kinds}."
    )


class InteractionLogForm(forms.Form):
    """Something that happened: a call made, a visit, a note. Type first, so one keystroke picks it."""

    interaction_type = forms.ChoiceField(
        choices=InteractionType.choices,
        label="Type",
        initial=InteractionType.CALL,
        # Opened in place, the form takes the keyboard: a letter picks the type, Tab moves on.
        widget=forms.Select(attrs={"autofocus": True}),
    )
    subject = forms.CharField(max_length=255, required=False)
    content = forms.CharField(required=False, label="What happened", widget=forms.Textarea(attrs={"rows": 3}))
    outcome = forms.ChoiceField(choices=_blank_first(Outcome.choices, "—"), required=False)
    duration_minutes = DurationField()
    completed_at = forms.DateTimeField(
        required=False,
        label="When",
        widget=DateTimeInput(),
        help_text="Leave empty for now.",
    )
    response_received = forms.BooleanField(required=False, label="They responded")
    response_content = forms.CharField(
        required=False, label="What they said", widget=forms.Textarea(attrs={"rows": 2})
    )
    sentiment = forms.ChoiceField(choices=_blank_first(Sentiment.choices, "—"), required=False)
    attachments = MultipleFileField(required=False, label="Files")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = _files_help()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("response_content") and not cleaned.get("response_received"):
            # What they said means they responded; ticking the box as well would be busywork.
            cleaned["response_received"] = True
        if not any(cleaned.get(name) for name in ("subject", "content", "outcome", "response_content")):
            raise forms.ValidationError("Say what happened: a subject, a few words, or the outcome.")
        return cleaned

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["files"] = data.pop("attachments", None) or []
        if data["response_received"]:
            data["response_date"] = data["completed_at"]
        return data


class InteractionScheduleForm(forms.Form):
    """A follow-up: what, when, and a note for whoever picks it up."""

    interaction_type = forms.ChoiceField(
        choices=SCHEDULE_TYPES,
        label="Type",
        initial=InteractionType.CALL,
        widget=forms.Select(attrs={"autofocus": True}),
    )
    scheduled_at = forms.DateTimeField(label="When", widget=DateTimeInput())
    subject = forms.CharField(max_length=255, required=False)
    content = forms.CharField(required=False, label="Notes", widget=forms.Textarea(attrs={"rows": 2}))
    duration_minutes = DurationField()

    def service_kwargs(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class InteractionEditForm(forms.ModelForm):
    """A correction of what was logged (the kind of change interaction_update allows)."""

    class Meta:
        model = Interaction
        fields = [
            "interaction_type",
            "subject",
            "content",
            "outcome",
            "duration_minutes",
            "completed_at",
            "scheduled_at",
            "response_received",
            "response_content",
            "sentiment",
            "notes",
        ]
        labels = {
            "interaction_type": "Type",
            "content": "What happened",
            "duration_minutes": "Minutes",
            "completed_at": "When it happened",
            "scheduled_at": "When it is planned",
            "response_received": "They responded",
            "response_content": "What they said",
        }
        widgets = {
            "content": forms.Textarea(attrs={"rows": 3}),
            "response_content": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 2}),
            "completed_at": DateTimeInput(),
            "scheduled_at": DateTimeInput(),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A scheduled one has no completion time yet; a completed one keeps its plan as history.
        if self.instance.status == "scheduled":
            for name in ("completed_at", "outcome", "response_received", "response_content", "sentiment"):
                del self.fields[name]
        else:
            del self.fields["scheduled_at"]
        self.fields["duration_minutes"].max_value = MAX_DURATION_MINUTES

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.fields}


class InteractionAttachForm(forms.Form):
    """More files for an interaction already logged."""

    attachments = MultipleFileField(label="Files", error_messages={"required": "Choose a file to attach."})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = _files_help()


class InteractionCompleteForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=_blank_first(Outcome.choices, "Choose…"),
        error_messages={"required": "Say what came of it."},
        widget=forms.Select(attrs={"autofocus": True}),
    )
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    duration_minutes = DurationField()
    sentiment = forms.ChoiceField(choices=_blank_first(Sentiment.choices, "—"), required=False)


class InteractionRescheduleForm(forms.Form):
    scheduled_at = forms.DateTimeField(
        label="New time", widget=DateTimeInput(), error_messages={"required": "Choose the new time."}
    )


class InteractionSnoozeForm(forms.Form):
    until = forms.ChoiceField(
        choices=Snooze.choices,
        error_messages={
            "required": "Choose how long to snooze.",
            "invalid_choice": "Choose how long to snooze.",
        },
    )


TIMELINE_KINDS = [("", "Everything"), *InteractionType.choices, (MESSAGES, "Messages sent")]


class TimelineFilterForm(forms.Form):
    type = forms.ChoiceField(choices=TIMELINE_KINDS, required=False, label="Show")
