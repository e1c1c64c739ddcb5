"""Who may do what to a person: the one place the rule lives. Views and services both ask here.

Staff see everyone and edit persons assigned to them or unassigned; managers and admins edit,
reassign and delete anyone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import Q

if TYPE_CHECKING:
    from orca.users.models import User

    from .models import Person


def can_view_person(user: User, person: Person) -> bool:
    return user.is_authenticated and user.is_active


def can_edit_person(user: User, person: Person) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    return user.is_manager or person.assigned_to_id in (None, user.pk)


def editable_by_q(user: User) -> Q:
    """can_edit_person as a queryset filter: the persons `user` may edit.

    An empty Q means everyone (a manager); keep the two functions saying the same thing.
    """
    if not (user.is_authenticated and user.is_active):
        return Q(pk__in=[])
    if user.is_manager:
        return Q()
    return Q(assigned_to__isnull=True) | Q(assigned_to=user.pk)


def can_reassign_person(user: User, person: Person) -> bool:
    """Staff may assign their own and unassigned persons; only managers move others' persons."""
    return can_edit_person(user, person)


def can_delete_person(user: User, person: Person | None = None) -> bool:
    return user.is_authenticated and user.is_active and user.is_manager


def require(allowed: bool, message: str = "You do not have permission to do that.") -> None:
    if not allowed:
        raise PermissionDenied(message)
