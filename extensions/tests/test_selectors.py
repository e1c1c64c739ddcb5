"""extensions.selectors: status_history made readable, whatever an import or a hand edit left in it."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from extensions.choices import LeadStatus
from extensions.selectors import status_history_rows, status_history_users

pytestmark = pytest.mark.django_db


def test_each_entry_becomes_a_row_with_its_label_time_user_and_note_oldest_first(staff_user):
    history = [
        {"status": "new", "at": "2026-01-01T09:00:00+00:00", "by": None, "note": "Became a lead"},
        {"status": "qualified", "at": "2026-01-03T10:30:00+00:00", "by": str(staff_user.pk), "note": ""},
    ]

    first, second = status_history_rows(history, statuses=LeadStatus)

    assert (first.status, first.label, first.by, first.by_system, first.note) == (
        "new",
        LeadStatus("new").label,
        None,
        True,
        "Became a lead",
    )
    assert first.at == dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC)
    assert second.by == staff_user and not second.by_system


def test_a_by_that_is_not_a_user_id_is_kept_as_text_and_never_queried(staff_user, django_assert_num_queries):
    history = [
        {"status": "new", "at": "2026-01-01T09:00:00", "by": "import"},
        {"status": "contacted", "at": "2026-01-02T09:00:00", "by": 42},
        {"status": "qualified", "at": "2026-01-03T09:00:00", "by": str(staff_user.pk)},
    ]

    with django_assert_num_queries(1):
        rows = status_history_rows(history, statuses=LeadStatus)

    assert [(row.by_id, row.by) for row in rows] == [
        ("import", None),
        ("42", None),
        (str(staff_user.pk), staff_user),
    ]
    # A time without an offset was written in UTC, as the services write it.
    assert rows[0].at == dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC)


def test_a_history_naming_no_user_costs_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        rows = status_history_rows([{"status": "new", "by": "import"}], statuses=LeadStatus)

    assert rows[0].by is None and not rows[0].by_system


def test_a_removed_user_an_unreadable_time_and_an_unknown_status_still_make_a_row():
    history = [{"status": "vanished", "at": "2026-13-45T99:00:00", "by": str(uuid.uuid4())}, "not an entry"]

    (row,) = status_history_rows(history, statuses=LeadStatus)

    assert (row.label, row.at, row.at_text, row.by) == ("vanished", None, "2026-13-45T99:00:00", None)
    assert not row.by_system


def test_the_users_of_several_histories_are_read_in_one_query(
    staff_user, manager_user, django_assert_num_queries
):
    lead = [{"status": "new", "by": str(staff_user.pk)}]
    member = [{"status": "active", "by": str(manager_user.pk)}, {"status": "frozen", "by": "import"}]

    with django_assert_num_queries(1):
        users = status_history_users([lead, member, None])
    with django_assert_num_queries(0):
        rows = status_history_rows(member, statuses=LeadStatus, users=users)

    assert users == {staff_user.pk: staff_user, manager_user.pk: manager_user}
    assert [row.by for row in rows] == [manager_user, None]
