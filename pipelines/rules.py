"""The three pipelines as a club works them: columns in order, the moves allowed, what a move asks for.

A pipeline is one role's statuses (extensions.choices) read as stages. The transition maps say
which moves a board accepts; anything else is refused with a message that names the allowed ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import models

from extensions.choices import LeadStatus, MembershipStatus, ReferralStatus
from extensions.models import (
    LeadExtension,
    LeadView,
    MemberExtension,
    MemberView,
    ReferralExtension,
    ReferralView,
)
from extensions.services import ROLES, RoleSpec

# What a move asks for in its dialog, besides an optional note. Only a tour's, a trial's and an
# appointment's date, a lost lead's reason and a new member's membership type are required; the
# others default (now, a trial of settings.TRIAL_DAYS, a renewal that keeps the end date open).
DATE = "date"  # when the tour, trial, appointment, cancellation or renewal happens
END_DATE = "end_date"  # a trial's last day
MEMBERSHIP_TYPE = "membership_type"  # joining: the membership chosen
REASON = "reason"  # losing a lead: why


@dataclass(frozen=True)
class Pipeline:
    key: str  # in URLs: "leads", "referrals", "members"
    role: str  # the role whose extension holds the status
    title: str
    statuses: type[models.TextChoices]
    transitions: dict[str, tuple[str, ...]]
    closed: frozenset[str]  # where a card's journey ends: those columns list the newest first
    lost: str  # the stage of a journey that ended without success
    asks: dict[str, tuple[str, ...]] = field(default_factory=dict)  # target -> required details
    extension: type[models.Model] = models.Model
    view: type[models.Model] = models.Model

    @property
    def spec(self) -> RoleSpec:
        return ROLES[self.role]

    @property
    def status_field(self) -> str:
        return self.spec.status_field

    def label(self, status: str) -> str:
        return self.statuses(status).label

    def allowed_from(self, status: str) -> tuple[str, ...]:
        return self.transitions.get(status, ())

    def check_move(self, current: str, target: str) -> None:
        """Refuse a move the pipeline does not allow, saying which moves it does."""
        if target not in self.statuses.values:
            raise ValidationError(f"“{target}” is not a stage of the {self.title.lower()} pipeline.")
        if target == current:
            raise ValidationError(f"Already in {self.label(current)}.")
        allowed = self.allowed_from(current)
        if target not in allowed:
            names = ", ".join(self.label(status) for status in allowed) or "nowhere: this is where it ends"
            raise ValidationError(
                f"A card in {self.label(current)} cannot move to {self.label(target)}. "
                f"From {self.label(current)} it can go to: {names}."
            )


L, R, M = LeadStatus, ReferralStatus, MembershipStatus

LEADS = Pipeline(
    key="leads",
    role="lead",
    title="Leads",
    statuses=LeadStatus,
    transitions={
        L.NEW: (L.CONTACTED, L.QUALIFIED, L.TOUR_SCHEDULED, L.TRIAL, L.LOST),
        L.CONTACTED: (L.QUALIFIED, L.TOUR_SCHEDULED, L.TRIAL, L.NEGOTIATING, L.LOST),
        L.QUALIFIED: (L.CONTACTED, L.TOUR_SCHEDULED, L.TRIAL, L.NEGOTIATING, L.WON, L.LOST),
        # A tour that did not happen goes back to Qualified to be booked again.
        L.TOUR_SCHEDULED: (L.QUALIFIED, L.TOUR_COMPLETED, L.LOST),
        L.TOUR_COMPLETED: (L.TRIAL, L.NEGOTIATING, L.WON, L.LOST),
        L.TRIAL: (L.NEGOTIATING, L.WON, L.LOST),
        L.NEGOTIATING: (L.TRIAL, L.WON, L.LOST),
        # A lost lead may come back; a won one is a member now and leaves through the member board.
        L.LOST: (L.CONTACTED,),
        L.WON: (),
    },
    closed=frozenset({L.WON, L.LOST}),
    lost=L.LOST,
    asks={
        L.TOUR_SCHEDULED: (DATE,),
        L.TOUR_COMPLETED: (DATE,),
        L.TRIAL: (DATE, END_DATE),
        L.WON: (MEMBERSHIP_TYPE, DATE),
        L.LOST: (REASON,),
    },
    extension=LeadExtension,
    view=LeadView,
)

REFERRALS = Pipeline(
    key="referrals",
    role="referral",
    title="Referrals",
    statuses=ReferralStatus,
    transitions={
        R.RECEIVED: (R.CONTACTED, R.APPOINTMENT_BOOKED, R.DECLINED, R.UNRESPONSIVE),
        R.CONTACTED: (R.APPOINTMENT_BOOKED, R.DECLINED, R.UNRESPONSIVE),
        # Back to Contacted cancels the appointment, to book another.
        R.APPOINTMENT_BOOKED: (R.CONTACTED, R.VISITED, R.JOINED, R.DECLINED, R.UNRESPONSIVE),
        R.VISITED: (R.APPOINTMENT_BOOKED, R.JOINED, R.DECLINED),
        R.DECLINED: (R.CONTACTED,),
        R.UNRESPONSIVE: (R.CONTACTED,),
        R.JOINED: (),
    },
    closed=frozenset({R.JOINED, R.DECLINED, R.UNRESPONSIVE}),
    lost=R.DECLINED,
    asks={R.APPOINTMENT_BOOKED: (DATE,), R.JOINED: (MEMBERSHIP_TYPE, DATE)},
    extension=ReferralExtension,
    view=ReferralView,
)

MEMBERS = Pipeline(
    key="members",
    role="member",
    title="Members",
    statuses=MembershipStatus,
    transitions={
        M.PENDING: (M.ACTIVE, M.CANCELLED),
        M.ACTIVE: (M.FROZEN, M.PAST_DUE, M.CANCELLED, M.EXPIRED),
        M.FROZEN: (M.ACTIVE, M.CANCELLED),
        M.PAST_DUE: (M.ACTIVE, M.CANCELLED),
        # Renewing: back to Active with a new end date.
        M.CANCELLED: (M.ACTIVE,),
        M.EXPIRED: (M.ACTIVE,),
    },
    closed=frozenset({M.CANCELLED, M.EXPIRED}),
    lost=M.CANCELLED,
    asks={M.CANCELLED: (DATE,), M.ACTIVE: (END_DATE,)},
    extension=MemberExtension,
    view=MemberView,
)

PIPELINES: dict[str, Pipeline] = {p.key: p for p in (LEADS, REFERRALS, MEMBERS)}
PIPELINE_OF_ROLE: dict[str, Pipeline] = {p.role: p for p in PIPELINES.values()}

# conversion_probability follows the lead's stage.
LEAD_PROBABILITY: dict[str, int] = {
    L.NEW: 10,
    L.CONTACTED: 20,
    L.QUALIFIED: 35,
    L.TOUR_SCHEDULED: 45,
    L.TOUR_COMPLETED: 55,
    L.TRIAL: 65,
    L.NEGOTIATING: 80,
    L.WON: 100,
    L.LOST: 0,
}
