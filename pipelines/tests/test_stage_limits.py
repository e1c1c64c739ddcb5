"""How long a card may sit in a stage: the rows the migration creates, and what the database refuses."""

import pytest
from django.db import IntegrityError, transaction

from pipelines.models import StageLimit
from pipelines.rules import MEMBERS, PIPELINES

pytestmark = pytest.mark.django_db

# An active membership is where a member is meant to stay, for years: it is open, but never stale.
NEVER_STALE = {(MEMBERS.key, "active")}


def stage_limits(pipeline) -> dict[str, int]:
    return dict(StageLimit.objects.filter(pipeline=pipeline.key).values_list("status", "days"))


def open_stages(pipeline) -> set[str]:
    return {
        status
        for status in pipeline.statuses.values
        if status not in pipeline.closed and (pipeline.key, status) not in NEVER_STALE
    }


@pytest.mark.parametrize("pipeline", PIPELINES.values(), ids=PIPELINES.keys())
def test_every_open_stage_has_a_default_limit_and_no_closed_stage_has_one(pipeline):
    limits = stage_limits(pipeline)
    assert set(limits) == open_stages(pipeline)
    assert not set(limits) & pipeline.closed
    assert all(1 <= days <= 3650 for days in limits.values())


def test_an_active_membership_never_goes_stale():
    assert not StageLimit.objects.filter(pipeline="members", status="active").exists()


def test_the_default_limits_are_those_the_club_starts_with():
    assert stage_limits(PIPELINES["leads"])["new"] == 2
    assert stage_limits(PIPELINES["referrals"])["appointment_booked"] == 7
    assert stage_limits(PIPELINES["members"])["frozen"] == 90


@pytest.mark.parametrize("days", [0, 3651])
def test_the_database_refuses_a_limit_outside_one_day_to_ten_years(days):
    with pytest.raises(IntegrityError, match="stage_limit_days_1_3650"), transaction.atomic():
        StageLimit.objects.create(pipeline="leads", status="won", days=days)
    assert not StageLimit.objects.filter(pipeline="leads", status="won").exists()


def test_the_database_refuses_a_limit_for_an_unknown_pipeline():
    with pytest.raises(IntegrityError, match="stage_limit_pipeline_valid"), transaction.atomic():
        StageLimit.objects.create(pipeline="classes", status="new", days=5)
    assert not StageLimit.objects.filter(pipeline="classes").exists()


def test_the_database_refuses_a_second_limit_for_the_same_stage():
    with pytest.raises(IntegrityError, match="stage_limit_once"), transaction.atomic():
        StageLimit.objects.create(pipeline="leads", status="new", days=5)
    assert StageLimit.objects.get(pipeline="leads", status="new").days == 2


@pytest.mark.parametrize("days", [1, 3650])
def test_a_limit_of_one_day_to_ten_years_is_kept(days):
    StageLimit.objects.create(pipeline="leads", status="won", days=days)
    assert StageLimit.objects.get(pipeline="leads", status="won").days == days
