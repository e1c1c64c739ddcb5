"""Writes of a user's own settings (users.settings, jsonb), and the reads of them that jobs share."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from .models import User

MORNING_SUMMARY = "morning_summary"  # bool; absent means yes: the summary is on until turned off
USER_SETTINGS: dict[str, type] = {MORNING_SUMMARY: bool}


def wants_morning_summary(user: User) -> bool:
    return user.settings.get(MORNING_SUMMARY, True) is not False


def wants_morning_summary_q() -> Q:
    """wants_morning_summary as a filter; keep the two saying the same thing."""
    return ~Q(settings__morning_summary=False)


@transaction.atomic
def user_settings_update(*, user: User, actor: User, changes: dict[str, Any]) -> User:
    """Change the user's own settings; only they (or an admin) may."""
    if actor.pk != user.pk and not actor.is_superuser:
        raise ValidationError("Only the user themselves can change their settings.")
    unknown = set(changes) - set(USER_SETTINGS)
    if unknown:
        raise ValidationError(f"Unknown settings: {', '.join(sorted(unknown))}.")
    for name, value in changes.items():
        if not isinstance(value, USER_SETTINGS[name]):
            raise ValidationError(f"{name} must be a {USER_SETTINGS[name].__name__}.")
    locked = User.objects.select_for_update().get(pk=user.pk)
    locked.settings = {**locked.settings, **changes}
    locked.save(update_fields=["settings", "updated_at"])
    user.settings = locked.settings
    return user
