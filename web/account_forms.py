"""The form of a user's own settings page."""

from django import forms


class UserSettingsForm(forms.Form):
    morning_summary = forms.BooleanField(
        required=False,
        label="Email me a summary of my day each morning",
        help_text="Your overdue and today's follow-ups, unanswered replies and the people who need you, "
        "before the day starts.",
    )
