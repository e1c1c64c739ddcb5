"""Moving cards on the three boards: which moves each pipeline allows, and what every move writes."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from extensions.factories import RolePersonFactory
from extensions.models import LeadExtension, MemberExtension, ReferralExtension
from extensions.services import extension_change_status, person_set_roles
from interactions.models import Interaction
from persons.models import Person
from persons.services import ConcurrentEditError
from pipelines.rules import LEAD_PROBABILITY, LEADS, MEMBERS, PIPELINES, REFERRALS, Pipeline
from pipelines.services import MoveDetails, MoveNeedsDetails, pipeline_move
from relationships.models import ReferralCredit

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def card(pipeline: Pipeline, status: str, *, at: dt.datetime, **person_fields) -> Person:
    """A person who took the pipeline's role ten days before `at` and entered `status` four days before."""
    person = RolePersonFactory(roles={pipeline.role}, roles_at=at - 10 * DAY, **person_fields)
    if status != pipeline.statuses.values[0]:
        extension_change_status(person=person, role=pipeline.role, status=status, actor=None, at=at - 4 * DAY)
    return person


def extension(pipeline: Pipeline, person: Person):
    return pipeline.extension.objects.get(person=person)


def snapshot(person: Person) -> dict:
    """Everything a move could write for this person, to show a refused move wrote none of it."""
    return {
        "person": Person.objects.filter(pk=person.pk).values().get(),
        "lead": list(LeadExtension.objects.filter(person=person).values()),
        "referral": list(ReferralExtension.objects.filter(person=person).values()),
        "member": list(MemberExtension.objects.filter(person=person).values()),
        "interactions": list(Interaction.objects.filter(person=person).values()),
        "credits": list(ReferralCredit.objects.values()),
    }


def enough_details(pipeline: Pipeline, target: str, at: dt.datetime) -> MoveDetails:
    """Details that satisfy whatever the move to `target` asks for."""
    wanted = {
        ("leads", "tour_scheduled"): MoveDetails(date=at + 2 * DAY),
        ("leads", "tour_completed"): MoveDetails(date=at - dt.timedelta(hours=1)),
        ("leads", "trial"): MoveDetails(date=at),
        ("leads", "won"): MoveDetails(membership_type="standard", date=at),
        ("leads", "lost"): MoveDetails(reason="Too expensive"),
        ("referrals", "appointment_booked"): MoveDetails(date=at + 2 * DAY),
        ("referrals", "joined"): MoveDetails(membership_type="standard", date=at),
        ("members", "cancelled"): MoveDetails(date=at),
    }
    return wanted.get((pipeline.key, target), MoveDetails())


def move(pipeline: Pipeline, person: Person, status: str, actor, at: dt.datetime, **details):
    return pipeline_move(
        pipeline=pipeline, person=person, status=status, actor=actor, details=MoveDetails(**details), at=at
    )


def transitions(*, allowed: bool) -> list:
    return [
        pytest.param(pipeline, current, target, id=f"{pipeline.key}:{current}->{target}")
        for pipeline in PIPELINES.values()
        for current in pipeline.statuses.values
        for target in pipeline.statuses.values
        if (target in pipeline.allowed_from(current)) == allowed
    ]


@pytest.fixture
def at() -> dt.datetime:
    return timezone.now()


# --- Every transition of every pipeline -------------------------------------------------------------


@pytest.mark.parametrize(("pipeline", "current", "target"), transitions(allowed=True))
def test_every_allowed_move_changes_the_status_and_appends_to_the_history(
    pipeline, current, target, manager_user, at
):
    person = card(pipeline, current, at=at)
    before = extension(pipeline, person)
    durations_field = pipeline.spec.durations_field

    moved = pipeline_move(
        pipeline=pipeline,
        person=person,
        status=target,
        actor=manager_user,
        details=enough_details(pipeline, target, at),
        at=at,
    )

    after = extension(pipeline, person)
    assert getattr(moved, pipeline.status_field) == getattr(after, pipeline.status_field) == target
    assert after.status_history[:-1] == before.status_history
    last = after.status_history[-1]
    assert (last["status"], last["at"], last["by"]) == (target, at.isoformat(), str(manager_user.pk))
    assert after.stage_entered_at == at
    spent = (at - before.stage_entered_at).total_seconds() / 86400
    durations = getattr(after, durations_field)
    assert durations[current] == round(getattr(before, durations_field).get(current, 0) + spent, 2)


@pytest.mark.parametrize(("pipeline", "current", "target"), transitions(allowed=False))
def test_every_refused_move_is_a_validation_error_and_writes_nothing(
    pipeline, current, target, manager_user, at
):
    person = card(pipeline, current, at=at)
    before = snapshot(person)

    with pytest.raises(ValidationError, match="cannot move to|Already in") as refused:
        pipeline_move(
            pipeline=pipeline,
            person=person,
            status=target,
            actor=manager_user,
            details=enough_details(pipeline, target, at),
            at=at,
        )

    assert not isinstance(refused.value, MoveNeedsDetails | ConcurrentEditError)
    assert snapshot(person) == before


def test_a_refused_move_names_the_moves_allowed_from_the_stage(manager_user, at):
    person = card(LEADS, "tour_scheduled", at=at)
    with pytest.raises(ValidationError) as refused:
        move(LEADS, person, "won", manager_user, at)
    assert refused.value.messages == [
        "A card in Tour scheduled cannot move to Won (joined). "
        "From Tour scheduled it can go to: Qualified, Tour completed, Lost."
    ]


def test_a_status_that_is_not_a_stage_of_the_pipeline_is_refused(manager_user, at):
    person = card(MEMBERS, "active", at=at)
    before = snapshot(person)
    with pytest.raises(ValidationError, match="not a stage of the members pipeline"):
        move(MEMBERS, person, "won", manager_user, at)
    assert snapshot(person) == before


@pytest.mark.parametrize(
    ("current", "target"),
    [(current, target) for current, targets in LEADS.transitions.items() for target in targets],
)
def test_a_leads_conversion_probability_follows_its_stage(current, target, manager_user, at):
    person = card(LEADS, current, at=at)
    pipeline_move(
        pipeline=LEADS,
        person=person,
        status=target,
        actor=manager_user,
        details=enough_details(LEADS, target, at),
        at=at,
    )
    assert extension(LEADS, person).conversion_probability == LEAD_PROBABILITY[target]


# --- What a lead's moves ask for and record ---------------------------------------------------------


def test_booking_a_tour_records_its_date_and_schedules_the_tour(staff_user, at):
    person = card(LEADS, "qualified", at=at)
    when = at + 3 * DAY

    move(LEADS, person, "tour_scheduled", staff_user, at, date=when)

    lead = extension(LEADS, person)
    assert (lead.lead_status, lead.visit_date, lead.visit_completed) == ("tour_scheduled", when, False)
    tour = Interaction.objects.get(person=person)
    assert (tour.interaction_type, tour.status, tour.scheduled_at) == ("tour", "scheduled", when)
    assert tour.user == staff_user
    assert Person.objects.get(pk=person.pk).next_scheduled_contact == when


@pytest.mark.parametrize(
    ("when", "message"),
    [(None, "Choose when the tour is."), (-DAY, "The tour must be in the future.")],
    ids=["no date", "in the past"],
)
def test_a_tour_needs_a_date_in_the_future_and_nothing_is_written_without_one(
    when, message, manager_user, at
):
    person = card(LEADS, "qualified", at=at)
    before = snapshot(person)

    with pytest.raises(MoveNeedsDetails) as needs:
        move(LEADS, person, "tour_scheduled", manager_user, at, date=None if when is None else at + when)

    assert needs.value.message_dict == {"date": [message]}
    assert snapshot(person) == before


def test_completing_a_tour_marks_the_visit_done_on_the_day_given(manager_user, at):
    person = card(LEADS, "qualified", at=at)
    move(LEADS, person, "tour_scheduled", manager_user, at - 3 * DAY, date=at)
    toured = at - dt.timedelta(hours=2)

    move(LEADS, person, "tour_completed", manager_user, at, date=toured)

    lead = extension(LEADS, person)
    assert (lead.lead_status, lead.visit_completed, lead.visit_date) == ("tour_completed", True, toured)


def test_a_tour_completed_without_a_date_happened_at_the_move(manager_user, at):
    person = card(LEADS, "tour_scheduled", at=at)
    move(LEADS, person, "tour_completed", manager_user, at)
    lead = extension(LEADS, person)
    assert (lead.visit_completed, lead.visit_date) == (True, at)


def test_a_tour_cannot_be_completed_in_the_future(manager_user, at):
    person = card(LEADS, "tour_scheduled", at=at)
    before = snapshot(person)
    with pytest.raises(MoveNeedsDetails, match="cannot be in the future"):
        move(LEADS, person, "tour_completed", manager_user, at, date=at + DAY)
    assert snapshot(person) == before


def test_a_trial_started_today_is_active_for_the_clubs_trial_days(manager_user, at, settings):
    settings.TRIAL_DAYS = 14
    person = card(LEADS, "contacted", at=at)

    move(LEADS, person, "trial", manager_user, at, date=at)

    lead = extension(LEADS, person)
    assert (lead.lead_status, lead.trial_status) == ("trial", "active")
    assert (lead.trial_start_date, lead.trial_end_date) == (at, at + 14 * DAY)
    assert not Interaction.objects.filter(person=person).exists()


def test_a_trial_starting_later_has_not_started_and_its_first_day_is_scheduled(manager_user, at):
    person = card(LEADS, "contacted", at=at)
    start, end = at + 2 * DAY, at + 5 * DAY

    move(LEADS, person, "trial", manager_user, at, date=start, end_date=end)

    lead = extension(LEADS, person)
    assert (lead.trial_status, lead.trial_start_date, lead.trial_end_date) == ("not_started", start, end)
    first_day = Interaction.objects.get(person=person)
    assert (first_day.interaction_type, first_day.scheduled_at) == ("trial_class", start)


@pytest.mark.parametrize(
    ("start", "end", "details"),
    [
        (None, None, {"date": ["Choose the day the trial starts."]}),
        (0, -1, {"end_date": ["The trial must end after it starts."]}),
        (0, 0, {"end_date": ["The trial must end after it starts."]}),
    ],
    ids=["no start", "ends before it starts", "ends as it starts"],
)
def test_a_trial_needs_a_start_and_an_end_after_it(start, end, details, manager_user, at):
    person = card(LEADS, "contacted", at=at)
    before = snapshot(person)
    with pytest.raises(MoveNeedsDetails) as needs:
        move(
            LEADS,
            person,
            "trial",
            manager_user,
            at,
            date=None if start is None else at + start * DAY,
            end_date=None if end is None else at + end * DAY,
        )
    assert needs.value.message_dict == details
    assert snapshot(person) == before


@pytest.mark.parametrize("reason", ["", "   "], ids=["empty", "blank"])
def test_a_lead_is_not_lost_without_a_reason(reason, manager_user, at):
    person = card(LEADS, "contacted", at=at)
    before = snapshot(person)
    with pytest.raises(MoveNeedsDetails) as needs:
        move(LEADS, person, "lost", manager_user, at, reason=reason)
    assert needs.value.message_dict == {"reason": ["Say why the lead was lost."]}
    assert snapshot(person) == before


def test_a_lost_lead_keeps_the_reason_and_the_history_says_it(manager_user, at):
    person = card(LEADS, "contacted", at=at)
    move(LEADS, person, "lost", manager_user, at, reason="  Moving to another city ")
    lead = extension(LEADS, person)
    assert (lead.lead_status, lead.lost_reason) == ("lost", "Moving to another city")
    assert lead.status_history[-1]["note"] == "Lost: Moving to another city"


def test_losing_a_lead_on_trial_cancels_the_trial(manager_user, at):
    person = card(LEADS, "contacted", at=at)
    move(LEADS, person, "trial", manager_user, at - DAY, date=at - DAY)
    move(LEADS, person, "lost", manager_user, at, reason="Did not enjoy the classes")
    assert extension(LEADS, person).trial_status == "cancelled"


def test_a_lost_lead_reopened_forgets_why_it_was_lost(manager_user, at):
    person = card(LEADS, "contacted", at=at)
    move(LEADS, person, "lost", manager_user, at - DAY, reason="Price")

    move(LEADS, person, "contacted", manager_user, at)

    lead = extension(LEADS, person)
    assert (lead.lead_status, lead.lost_reason, lead.conversion_probability) == ("contacted", "", 20)


# --- A lead won joins the club ----------------------------------------------------------------------


def test_a_lead_won_becomes_a_member_and_the_lead_is_closed(manager_user, at):
    person = card(LEADS, "contacted", at=at)
    move(LEADS, person, "trial", manager_user, at - 2 * DAY, date=at - 2 * DAY)
    joined = at - dt.timedelta(hours=1)

    move(LEADS, person, "won", manager_user, at, membership_type="premium", date=joined)

    person.refresh_from_db()
    assert person.is_member and person.is_lead
    lead = extension(LEADS, person)
    assert (lead.lead_status, lead.conversion_probability, lead.trial_status) == ("won", 100, "completed")
    member = extension(MEMBERS, person)
    assert (member.membership_status, member.membership_type, member.join_date) == (
        "active",
        "premium",
        joined,
    )
    assert [entry["status"] for entry in member.status_history] == ["pending", "active"]
    assert member.membership_end_date is None


def test_a_lead_who_joins_from_a_later_date_is_a_pending_member_until_then(manager_user, at):
    person = card(LEADS, "negotiating", at=at)
    starts = at + 7 * DAY

    move(LEADS, person, "won", manager_user, at, membership_type="student", date=starts)

    member = extension(MEMBERS, person)
    assert (member.membership_status, member.membership_type, member.join_date) == (
        "pending",
        "student",
        starts,
    )
    assert extension(LEADS, person).lead_status == "won"


def test_a_lead_won_without_a_date_joined_at_the_move(manager_user, at):
    person = card(LEADS, "qualified", at=at)
    move(LEADS, person, "won", manager_user, at, membership_type="basic")
    member = extension(MEMBERS, person)
    assert (member.membership_status, member.join_date) == ("active", at)


@pytest.mark.parametrize(
    ("membership_type", "message"),
    [("", "Choose the membership they joined with."), ("platinum", "Choose a membership from the list.")],
    ids=["none", "unknown"],
)
def test_a_lead_is_not_won_without_a_membership_from_the_list(membership_type, message, manager_user, at):
    person = card(LEADS, "negotiating", at=at)
    before = snapshot(person)
    with pytest.raises(MoveNeedsDetails) as needs:
        move(LEADS, person, "won", manager_user, at, membership_type=membership_type, date=at)
    assert needs.value.message_dict == {"membership_type": [message]}
    assert snapshot(person) == before
    assert not Person.objects.get(pk=person.pk).is_member


def test_a_former_member_won_back_as_a_lead_renews_their_membership(manager_user, at):
    person = RolePersonFactory(roles={"lead", "member"}, roles_at=at - 30 * DAY)
    extension_change_status(person=person, role="member", status="active", actor=None, at=at - 29 * DAY)
    extension_change_status(person=person, role="lead", status="qualified", actor=None, at=at - 12 * DAY)
    move(MEMBERS, person, "cancelled", manager_user, at - 10 * DAY, date=at - 10 * DAY)

    move(LEADS, person, "won", manager_user, at, membership_type="vip", date=at)

    member = extension(MEMBERS, person)
    assert (member.membership_status, member.membership_type, member.membership_end_date) == (
        "active",
        "vip",
        None,
    )
    assert [entry["status"] for entry in member.status_history] == [
        "pending",
        "active",
        "cancelled",
        "active",
    ]


# --- Referrals --------------------------------------------------------------------------------------


def test_booking_a_referrals_appointment_records_it_and_schedules_the_consultation(staff_user, at):
    person = card(REFERRALS, "contacted", at=at)
    when = at + 2 * DAY

    move(REFERRALS, person, "appointment_booked", staff_user, at, date=when)

    referral = extension(REFERRALS, person)
    assert (referral.appointment_date, referral.appointment_status) == (when, "scheduled")
    consultation = Interaction.objects.get(person=person)
    assert (consultation.interaction_type, consultation.scheduled_at) == ("consultation", when)


def test_an_appointment_needs_a_date(manager_user, at):
    person = card(REFERRALS, "received", at=at)
    before = snapshot(person)
    with pytest.raises(MoveNeedsDetails) as needs:
        move(REFERRALS, person, "appointment_booked", manager_user, at)
    assert needs.value.message_dict == {"date": ["Choose when the appointment is."]}
    assert snapshot(person) == before


def test_booking_again_while_an_appointment_is_scheduled_reschedules_it(manager_user, at):
    person = card(REFERRALS, "contacted", at=at)
    ReferralExtension.objects.filter(person=person).update(appointment_status="scheduled")
    move(REFERRALS, person, "appointment_booked", manager_user, at, date=at + DAY)
    assert extension(REFERRALS, person).appointment_status == "rescheduled"


def test_a_referral_back_to_contacted_cancels_the_appointment(manager_user, at):
    person = card(REFERRALS, "contacted", at=at)
    move(REFERRALS, person, "appointment_booked", manager_user, at - DAY, date=at + DAY)
    move(REFERRALS, person, "contacted", manager_user, at)
    assert extension(REFERRALS, person).appointment_status == "cancelled"


def test_a_referral_who_visited_completed_the_appointment(manager_user, at):
    person = card(REFERRALS, "contacted", at=at)
    move(REFERRALS, person, "appointment_booked", manager_user, at - DAY, date=at)
    move(REFERRALS, person, "visited", manager_user, at)
    referral = extension(REFERRALS, person)
    assert (referral.referral_status, referral.appointment_status) == ("visited", "completed")


def test_a_declined_referral_is_not_converted_and_reopening_it_makes_it_pending_again(manager_user, at):
    person = card(REFERRALS, "contacted", at=at)
    move(REFERRALS, person, "declined", manager_user, at - DAY)
    assert extension(REFERRALS, person).conversion_status == "not_converted"

    move(REFERRALS, person, "contacted", manager_user, at)

    referral = extension(REFERRALS, person)
    assert (referral.referral_status, referral.conversion_status) == ("contacted", "pending")


def test_a_referral_who_joins_becomes_a_member_and_is_converted(manager_user, at):
    person = card(REFERRALS, "visited", at=at)

    move(REFERRALS, person, "joined", manager_user, at, membership_type="family", date=at)

    person.refresh_from_db()
    assert person.is_member and person.is_referral
    referral = extension(REFERRALS, person)
    assert (referral.referral_status, referral.conversion_status, referral.conversion_date) == (
        "joined",
        "converted",
        at,
    )
    member = extension(MEMBERS, person)
    assert (member.membership_status, member.membership_type, member.join_date) == ("active", "family", at)


# --- Members ----------------------------------------------------------------------------------------


def test_a_pending_member_who_starts_gets_their_join_date(manager_user, at):
    person = card(MEMBERS, "pending", at=at)
    move(MEMBERS, person, "active", manager_user, at)
    member = extension(MEMBERS, person)
    assert (member.membership_status, member.join_date) == ("active", at)


def test_a_past_due_member_owes_a_payment_and_is_current_again_when_back_to_active(manager_user, at):
    person = card(MEMBERS, "active", at=at)

    move(MEMBERS, person, "past_due", manager_user, at - DAY)
    assert extension(MEMBERS, person).payment_status == "overdue"

    move(MEMBERS, person, "active", manager_user, at)
    member = extension(MEMBERS, person)
    assert (member.membership_status, member.payment_status) == ("active", "current")


def test_a_cancelled_membership_ends_on_the_day_given(manager_user, at):
    person = card(MEMBERS, "active", at=at)
    ends = at + 14 * DAY
    move(MEMBERS, person, "cancelled", manager_user, at, date=ends)
    member = extension(MEMBERS, person)
    assert (member.membership_status, member.membership_end_date) == ("cancelled", ends)


def test_a_membership_cancelled_without_a_date_ends_at_the_move(manager_user, at):
    person = card(MEMBERS, "frozen", at=at)
    move(MEMBERS, person, "cancelled", manager_user, at)
    assert extension(MEMBERS, person).membership_end_date == at


def test_an_expired_membership_keeps_its_end_date(manager_user, at):
    person = card(MEMBERS, "active", at=at)
    ended = at - 2 * DAY
    MemberExtension.objects.filter(person=person).update(membership_end_date=ended)
    move(MEMBERS, person, "expired", manager_user, at)
    assert extension(MEMBERS, person).membership_end_date == ended


@pytest.mark.parametrize("current", ["cancelled", "expired"])
@pytest.mark.parametrize("days", [365, None], ids=["to a new end date", "open ended"])
def test_a_renewed_membership_is_active_until_its_new_end_date(current, days, manager_user, at):
    person = card(MEMBERS, "active", at=at)
    move(MEMBERS, person, current, manager_user, at - 3 * DAY, date=at - 3 * DAY)
    end = None if days is None else at + days * DAY

    move(MEMBERS, person, "active", manager_user, at, end_date=end)

    member = extension(MEMBERS, person)
    assert (member.membership_status, member.membership_end_date) == ("active", end)


def test_a_renewal_cannot_end_in_the_past(manager_user, at):
    person = card(MEMBERS, "cancelled", at=at)
    before = snapshot(person)
    with pytest.raises(MoveNeedsDetails) as needs:
        move(MEMBERS, person, "active", manager_user, at, end_date=at - DAY)
    assert list(needs.value.message_dict) == ["end_date"]
    assert snapshot(person) == before


# --- Who may move a card, and when ------------------------------------------------------------------


def test_staff_cannot_move_a_person_assigned_to_other_staff(staff_user, other_staff_user, at):
    person = card(LEADS, "new", at=at, assigned_to=other_staff_user)
    before = snapshot(person)
    with pytest.raises(PermissionDenied):
        move(LEADS, person, "contacted", staff_user, at)
    assert snapshot(person) == before


def test_a_card_reassigned_since_the_board_loaded_is_refused_to_its_former_owner(
    staff_user, other_staff_user, at
):
    loaded = card(LEADS, "new", at=at, assigned_to=staff_user)
    Person.objects.filter(pk=loaded.pk).update(assigned_to=other_staff_user)
    before = snapshot(loaded)
    with pytest.raises(PermissionDenied):
        move(LEADS, loaded, "contacted", staff_user, at)
    assert snapshot(loaded) == before


@pytest.mark.parametrize("owner", ["own", "unassigned"])
def test_staff_can_move_their_own_and_unassigned_persons(owner, staff_user, at):
    person = card(LEADS, "new", at=at, assigned_to=staff_user if owner == "own" else None)
    move(LEADS, person, "contacted", staff_user, at)
    assert extension(LEADS, person).lead_status == "contacted"


@pytest.mark.parametrize("role", ["manager_user", "admin_user"])
def test_managers_and_admins_can_move_anyone(role, other_staff_user, request, at):
    actor = request.getfixturevalue(role)
    person = card(MEMBERS, "active", at=at, assigned_to=other_staff_user)
    move(MEMBERS, person, "frozen", actor, at)
    assert extension(MEMBERS, person).membership_status == "frozen"


def test_a_card_changed_since_the_board_loaded_is_not_moved(manager_user, at):
    person = card(LEADS, "new", at=at)
    loaded = extension(LEADS, person).updated_at
    move(LEADS, person, "contacted", manager_user, at - DAY)
    before = snapshot(person)

    with pytest.raises(ConcurrentEditError, match="changed by someone else.*now in Contacted"):
        pipeline_move(
            pipeline=LEADS,
            person=person,
            status="qualified",
            actor=manager_user,
            expected_updated_at=loaded,
            at=at,
        )

    assert snapshot(person) == before


def test_a_card_unchanged_since_the_board_loaded_is_moved(manager_user, at):
    person = card(LEADS, "new", at=at)
    loaded = extension(LEADS, person).updated_at
    pipeline_move(
        pipeline=LEADS,
        person=person,
        status="contacted",
        actor=manager_user,
        expected_updated_at=loaded,
        at=at,
    )
    assert extension(LEADS, person).lead_status == "contacted"


def test_a_person_who_no_longer_holds_the_role_is_not_moved(manager_user, at):
    person = card(LEADS, "contacted", at=at)
    person_set_roles(person=Person.objects.get(pk=person.pk), roles=set(), actor=manager_user)
    before = snapshot(person)

    with pytest.raises(ValidationError, match="no longer a lead"):
        move(LEADS, person, "qualified", manager_user, at)

    assert snapshot(person) == before


def test_a_trial_recorded_after_it_ended_is_expired_not_active(manager_user):
    from extensions.factories import LeadExtensionFactory

    lead = LeadExtensionFactory(statuses=[("contacted", None)])
    now = timezone.now()
    details = MoveDetails(date=now - dt.timedelta(days=10), end_date=now - dt.timedelta(days=3))
    moved = pipeline_move(
        pipeline=LEADS, person=lead.person, status="trial", actor=manager_user, details=details
    )
    assert moved.trial_status == "expired"


def test_activating_a_pending_member_early_moves_their_join_date_to_now(manager_user):
    from extensions.factories import MemberExtensionFactory

    member = MemberExtensionFactory()
    MemberExtension.objects.filter(pk=member.pk).update(join_date=timezone.now() + dt.timedelta(days=20))
    moved = pipeline_move(pipeline=MEMBERS, person=member.person, status="active", actor=manager_user)
    assert moved.join_date <= timezone.now()
