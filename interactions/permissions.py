"""Who may change or delete an interaction once it is logged; views and services both ask here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from persons.permissions import can_edit_person, can_view_person

if TYPE_CHECKING:
    from orca.users.models import User

    from .models import Interaction


def can_change_interaction(user: User, interaction: Interaction) -> bool:
    """Whoever logged it, whoever may edit the person (their owner), or a manager.

    Logging is open to anyone who may see the person (persons.permissions); changing what a
    colleague recorded is not, so a call's notes or a follow-up's outcome stay theirs to tell.
    """
    if not can_view_person(user, interaction.person):
        return False
    return interaction.user_id == user.pk or can_edit_person(user, interaction.person)
