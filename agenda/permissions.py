"""Whose day a user may look at."""

from __future__ import annotations

from orca.users.models import User


def can_view_day(viewer: User, owner: User) -> bool:
    """Their own; a manager (or admin) anyone's, to cover for a colleague or coach them."""
    if not (viewer.is_authenticated and viewer.is_active):
        return False
    return viewer.pk == owner.pk or viewer.is_manager
