"""The staff app's main navigation: one list, in the order shown.

A later section adds one NavEntry here (Network, Messages);
nothing else changes. An entry names its URL and who sees it; the {% main_nav %} tag
(orca/templatetags/orca_ui.py) reverses the URL, keeps the entries the user may see and marks
the current section.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from orca.users.models import User


def everyone(user: User) -> bool:
    return user.is_authenticated and user.is_active


def managers(user: User) -> bool:
    """Managers and admins: the roles with Django admin access."""
    return user.is_staff


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    visible_to: Callable[[User], bool] = everyone
    args: tuple[str, ...] = ()


NAV_ENTRIES: tuple[NavEntry, ...] = (
    NavEntry("My day", "my_day:day"),
    NavEntry("People", "persons:list"),
    NavEntry("Leads", "pipelines:board", args=("leads",)),
    NavEntry("Referrals", "pipelines:board", args=("referrals",)),
    NavEntry("Members", "pipelines:board", args=("members",)),
    NavEntry("Admin", "admin:index", visible_to=managers),
)
