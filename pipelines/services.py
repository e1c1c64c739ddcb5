"""Moves on the pipeline boards and what each one does; every move is one transaction.

pipeline_move checks who may move the card, that nobody moved it since the board was loaded, and
that the pipeline allows the move; then the status changes through extensions' status service
(history appended, days in the stage left added up) and the move's consequences are written:
dates of tours, trials and appointments, a lead's conversion probability, joining the club
(taking on the member role, closing the lead, converting the referral, crediting the referrers).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from extensions.choices import (
    AppointmentStatus,
    ConversionStatus,
    LeadStatus,
    MembershipStatus,
    PaymentStatus,
    ReferralStatus,
    TrialStatus,
)
from extensions.models import LeadExtension, MemberExtension, ReferralExtension
from extensions.services import extension_change_status, person_set_roles
from interactions.models import Interaction, InteractionStatus, InteractionType
from interactions.services import interaction_schedule, interaction_update
from orca.db import CLOCK_SKEW
from orca.users.models import User
from persons.choices import MembershipType
from persons.models import ROLE_FLAGS, Person
from persons.permissions import can_edit_person, require
from persons.services import ConcurrentEditError, person_lock
from relationships.services import referral_conversion_credit

from .rules import DATE, LEAD_PROBABILITY, LEADS, MEMBERS, MEMBERSHIP_TYPE, REASON, REFERRALS, Pipeline


@dataclass(frozen=True)
class MoveDetails:
    """What the move dialog asked for; each move reads the details it needs."""

    date: dt.datetime | None = None
    end_date: dt.datetime | None = None
    membership_type: str = ""
    reason: str = ""
    note: str = ""


class MoveNeedsDetails(ValidationError):
    """The move is allowed but needs details first (a date, a reason): the board opens its dialog."""


def _need(field: str, message: str) -> MoveNeedsDetails:
    return MoveNeedsDetails({field: message})


def _future(when: dt.datetime | None, field: str, what: str, at: dt.datetime) -> dt.datetime:
    if when is None:
        raise _need(field, f"Choose when {what} is.")
    if when < at - CLOCK_SKEW:
        raise _need(field, f"{what.capitalize()} must be in the future.")
    return when


def _not_future(when: dt.datetime, field: str, what: str, at: dt.datetime) -> dt.datetime:
    if when > at + CLOCK_SKEW:
        raise _need(field, f"{what.capitalize()} cannot be in the future.")
    return when


def _save(extension: models.Model, fields: dict) -> models.Model:
    for name, value in fields.items():
        setattr(extension, name, value)
    if fields:
        extension.save()
    return extension


def _change(person: Person, role: str, status: str, actor: User, details: MoveDetails, at: dt.datetime):
    return extension_change_status(
        person=person, role=role, status=status, actor=actor, note=details.note, at=at
    )


# --- What was planned for a stage: a tour, a trial's first day, a referral's appointment ---------

TOUR, TRIAL_START, APPOINTMENT = "Club tour", "Trial starts", "Referral appointment"


def _plan(person: Person, actor: User, interaction_type: str, subject: str, when: dt.datetime) -> None:
    """Schedule the stage's interaction (it becomes the person's next contact), replacing an
    earlier plan of the same kind: a rebooked tour or appointment is one plan, not two."""
    _settle_planned(person, actor, subject, InteractionStatus.CANCELLED)
    interaction_schedule(
        person=person, user=actor, interaction_type=interaction_type, scheduled_at=when, subject=subject
    )


def _settle_planned(person: Person, actor: User, subject: str, status: str) -> None:
    """Complete or cancel what was planned: a tour that took place, an appointment called off."""
    planned = Interaction.objects.filter(person=person, subject=subject, status=InteractionStatus.SCHEDULED)
    for interaction in planned:
        interaction_update(interaction=interaction, actor=actor, data={"status": status})


# --- Joining the club: lead won, referral joined -----------------------------------------------------


def _membership_type(details: MoveDetails) -> str:
    if not details.membership_type:
        raise _need(MEMBERSHIP_TYPE, "Choose the membership they joined with.")
    if details.membership_type not in MembershipType.values:
        raise _need(MEMBERSHIP_TYPE, "Choose a membership from the list.")
    return details.membership_type


def _take_on_membership(person: Person, actor: User, membership_type: str, join: dt.datetime, at) -> None:
    """A new member, or a returning one (pending, cancelled, expired) renewing. Someone who is an
    active, frozen or past-due member already keeps their membership as it is."""
    person_set_roles(person=person, roles=person.roles | {"member"}, actor=actor, at=at)
    member = MemberExtension.objects.select_for_update().get(person=person)
    current = member.membership_status
    if current not in (MembershipStatus.PENDING, MembershipStatus.CANCELLED, MembershipStatus.EXPIRED):
        return
    starts = MembershipStatus.ACTIVE if join <= at + CLOCK_SKEW else MembershipStatus.PENDING
    if current != starts:
        member = extension_change_status(
            person=person, role="member", status=starts, actor=actor, note="Joined", at=at
        )
    _save(member, {"membership_type": membership_type, "join_date": join, "membership_end_date": None})


def _join(person: Person, actor: User, details: MoveDetails, at: dt.datetime) -> None:
    """The person joined: member role and membership, lead won, referral converted, referrers credited."""
    membership_type = _membership_type(details)
    join = details.date or at
    _take_on_membership(person, actor, membership_type, join, at)
    if person.is_lead:
        lead = LeadExtension.objects.get(person=person)
        if lead.lead_status != LeadStatus.WON:
            lead = _change(person, "lead", LeadStatus.WON, actor, details, at)
        trial = TrialStatus.COMPLETED if lead.trial_status == TrialStatus.ACTIVE else lead.trial_status
        _save(lead, {"conversion_probability": LEAD_PROBABILITY[LeadStatus.WON], "trial_status": trial})
    if person.is_referral:
        referral = ReferralExtension.objects.get(person=person)
        if referral.referral_status != ReferralStatus.JOINED:
            referral = _change(person, "referral", ReferralStatus.JOINED, actor, details, at)
        if referral.conversion_status != ConversionStatus.CONVERTED:
            _save(referral, {"conversion_status": ConversionStatus.CONVERTED, "conversion_date": at})
    # They joined: whatever was still planned on the way (a tour, a trial day, an appointment) is off.
    for subject in (TOUR, TRIAL_START, APPOINTMENT):
        _settle_planned(person, actor, subject, InteractionStatus.CANCELLED)
    referral_conversion_credit(referred=person, reward=settings.REFERRAL_REWARD)


# --- Each pipeline's moves ----------------------------------------------------------------------


def _lead_move(
    person: Person, lead: LeadExtension, status: str, actor: User, details: MoveDetails, at
) -> None:
    if status == LeadStatus.WON:
        _join(person, actor, details, at)
        return
    fields: dict = {"conversion_probability": LEAD_PROBABILITY[status]}
    if status == LeadStatus.TOUR_SCHEDULED:
        when = _future(details.date, DATE, "the tour", at)
        fields |= {"visit_date": when, "visit_completed": False}
        interaction_schedule(
            person=person,
            user=actor,
            interaction_type=InteractionType.TOUR,
            scheduled_at=when,
            subject="Club tour",
        )
    elif status == LeadStatus.TOUR_COMPLETED:
        fields |= {
            "visit_completed": True,
            "visit_date": _not_future(details.date or at, DATE, "the tour", at),
        }
    elif status == LeadStatus.TRIAL:
        start = details.date
        if start is None:
            raise _need(DATE, "Choose the day the trial starts.")
        end = details.end_date or start + dt.timedelta(days=settings.TRIAL_DAYS)
        if end <= start:
            raise _need("end_date", "The trial must end after it starts.")
        started = start <= at + CLOCK_SKEW
        if end <= at:
            trial = TrialStatus.EXPIRED  # recorded after the fact: the trial is already over
        else:
            trial = TrialStatus.ACTIVE if started else TrialStatus.NOT_STARTED
        fields |= {
            "trial_status": trial,
            "trial_start_date": start,
            "trial_end_date": end,
        }
        if not started:
            _plan(person, actor, InteractionType.TRIAL_CLASS, TRIAL_START, start)
    elif status == LeadStatus.LOST:
        reason = details.reason.strip()
        if not reason:
            raise _need(REASON, "Say why the lead was lost.")
        fields["lost_reason"] = reason[:200]
        if lead.trial_status in (TrialStatus.ACTIVE, TrialStatus.NOT_STARTED) and lead.trial_start_date:
            fields["trial_status"] = TrialStatus.CANCELLED
    elif lead.lead_status == LeadStatus.LOST:
        fields["lost_reason"] = ""  # reopened
    if lead.lead_status == LeadStatus.TOUR_SCHEDULED:
        done = status == LeadStatus.TOUR_COMPLETED
        _settle_planned(
            person, actor, TOUR, InteractionStatus.COMPLETED if done else InteractionStatus.CANCELLED
        )
    if status == LeadStatus.LOST:
        _settle_planned(person, actor, TRIAL_START, InteractionStatus.CANCELLED)
    note = details.note or (f"Lost: {fields['lost_reason']}" if status == LeadStatus.LOST else "")
    moved = _change(person, "lead", status, actor, MoveDetails(note=note), at)
    _save(moved, fields)


def _referral_move(
    person: Person, referral: ReferralExtension, status: str, actor: User, details: MoveDetails, at
) -> None:
    if status == ReferralStatus.JOINED:
        _join(person, actor, details, at)
        return
    fields: dict = {}
    if status == ReferralStatus.APPOINTMENT_BOOKED:
        when = _future(details.date, DATE, "the appointment", at)
        rebooked = referral.appointment_status in (AppointmentStatus.SCHEDULED, AppointmentStatus.CONFIRMED)
        fields |= {
            "appointment_date": when,
            "appointment_status": AppointmentStatus.RESCHEDULED if rebooked else AppointmentStatus.SCHEDULED,
        }
        _plan(person, actor, InteractionType.CONSULTATION, APPOINTMENT, when)
    elif status == ReferralStatus.VISITED:
        fields["appointment_status"] = AppointmentStatus.COMPLETED
    elif status == ReferralStatus.CONTACTED and referral.referral_status == ReferralStatus.APPOINTMENT_BOOKED:
        fields["appointment_status"] = AppointmentStatus.CANCELLED
    elif status == ReferralStatus.DECLINED:
        fields["conversion_status"] = ConversionStatus.NOT_CONVERTED
    elif referral.referral_status == ReferralStatus.DECLINED:
        fields["conversion_status"] = ConversionStatus.PENDING  # reopened
    if referral.referral_status == ReferralStatus.APPOINTMENT_BOOKED:
        done = status == ReferralStatus.VISITED
        _settle_planned(
            person, actor, APPOINTMENT, InteractionStatus.COMPLETED if done else InteractionStatus.CANCELLED
        )
    _save(_change(person, "referral", status, actor, details, at), fields)


def _member_move(
    person: Person, member: MemberExtension, status: str, actor: User, details: MoveDetails, at
) -> None:
    fields: dict = {}
    current = member.membership_status
    if status == MembershipStatus.ACTIVE:
        if current == MembershipStatus.PENDING and (member.join_date is None or member.join_date > at):
            fields["join_date"] = at  # starting now, or earlier than planned
        elif current == MembershipStatus.PAST_DUE:
            fields["payment_status"] = PaymentStatus.CURRENT
        elif current in (MembershipStatus.CANCELLED, MembershipStatus.EXPIRED):  # a renewal
            end = details.end_date
            if end is not None and end <= at:
                raise _need("end_date", "A renewed membership must end in the future (or leave it open).")
            fields["membership_end_date"] = end
    elif status == MembershipStatus.PAST_DUE:
        fields["payment_status"] = PaymentStatus.OVERDUE
    elif status == MembershipStatus.CANCELLED:
        fields["membership_end_date"] = details.date or at
    elif status == MembershipStatus.EXPIRED:
        fields["membership_end_date"] = member.membership_end_date or at
    _save(_change(person, "member", status, actor, details, at), fields)


MOVES = {LEADS.key: _lead_move, REFERRALS.key: _referral_move, MEMBERS.key: _member_move}


@transaction.atomic
def pipeline_move(
    *,
    pipeline: Pipeline,
    person: Person,
    status: str,
    actor: User,
    details: MoveDetails | None = None,
    expected_updated_at: dt.datetime | None = None,
    at: dt.datetime | None = None,
) -> models.Model:
    """Move the person's card to `status`, with everything that move means; the extension after it.

    Refuses (writing nothing) with PermissionDenied when the actor may not edit the person,
    ConcurrentEditError when the card changed since `expected_updated_at` (its extension's
    updated_at when the board was loaded), MoveNeedsDetails when the move needs a date, a reason
    or a membership type, and ValidationError for a move the pipeline does not allow.
    """
    details = details or MoveDetails()
    locked = person_lock(person)
    require(
        can_edit_person(actor, locked), "You can only move cards of persons assigned to you or unassigned."
    )
    if not getattr(locked, ROLE_FLAGS[pipeline.role]):
        raise ValidationError(f"{locked.full_name} is no longer a {pipeline.role}; nothing was moved.")
    extension = pipeline.extension.objects.select_for_update().get(person=locked)
    current = getattr(extension, pipeline.status_field)
    if expected_updated_at is not None and extension.updated_at != expected_updated_at:
        raise ConcurrentEditError(
            f"{locked.full_name} was changed by someone else after you loaded the board "
            f"(now in {pipeline.label(current)}). Nothing was moved; the card shows where it is now."
        )
    pipeline.check_move(current, status)
    MOVES[pipeline.key](locked, extension, status, actor, details, at or timezone.now())
    return pipeline.extension.objects.get(pk=extension.pk)
