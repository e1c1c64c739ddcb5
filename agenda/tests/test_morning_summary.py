"""The morning summary: each user's day by email, once per user and day, never to those who opted out."""

from __future__ import annotations

import datetime as dt
import threading
from types import SimpleNamespace

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from agenda import tasks
from agenda.models import MorningSummary, SummaryStatus
from agenda.services import morning_summary_send
from orca.users.services import user_settings_update

from .conftest import a_follow_up, a_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_user(staff_user):
    """A user with something on their day: one overdue follow-up."""
    person = a_person(staff_user, "Olga")
    a_follow_up(person, staff_user, timezone.now() - dt.timedelta(hours=2), "Yesterday's call")
    return staff_user


def test_the_summary_lists_the_day_and_links_to_my_day_and_the_opt_out(busy_user, settings):
    settings.SITE_URL = "https://crm.example.com"

    assert morning_summary_send(user_id=busy_user.pk, day=timezone.localdate()) == "sent"

    (email,) = mail.outbox
    assert email.to == [busy_user.email]
    assert "1 thing to do" in email.subject
    assert "Overdue follow-ups: 1" in email.body and "Olga Day" in email.body
    assert "https://crm.example.com/my-day/" in email.body
    assert "https://crm.example.com/account/settings/" in email.body
    html, mimetype = email.alternatives[0]
    assert mimetype == "text/html" and "Olga Day" in html


def test_the_task_run_twice_sends_one_summary_per_user_per_day(busy_user):
    day = timezone.localdate().isoformat()

    first = tasks.morning_summary(str(busy_user.pk), day)
    second = tasks.morning_summary(str(busy_user.pk), day)

    assert (first, second) == ("sent", "claimed")
    assert len(mail.outbox) == 1
    assert MorningSummary.objects.get(user=busy_user).status == SummaryStatus.SENT


def test_the_next_day_gets_its_own_summary(busy_user):
    today = timezone.localdate()

    morning_summary_send(user_id=busy_user.pk, day=today)
    morning_summary_send(user_id=busy_user.pk, day=today + dt.timedelta(days=1))

    assert len(mail.outbox) == 2


@pytest.mark.django_db(transaction=True)
def test_two_beats_racing_for_the_same_summary_send_it_once(busy_user):
    results: list[str] = []
    start = threading.Barrier(2)

    def run() -> None:
        start.wait()
        try:
            results.append(morning_summary_send(user_id=busy_user.pk, day=timezone.localdate()))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == ["claimed", "sent"]
    assert len(mail.outbox) == 1


def test_an_opted_out_user_gets_none_and_is_not_dispatched(busy_user, other_staff_user, monkeypatch):
    user_settings_update(user=busy_user, actor=busy_user, changes={"morning_summary": False})
    queued: list[tuple] = []
    # Who is enqueued is what is tested here, not the broker: the enqueue is recorded instead.
    monkeypatch.setattr(tasks, "morning_summary", SimpleNamespace(delay=lambda *args: queued.append(args)))

    dispatched = tasks.morning_summaries_dispatch()

    assert morning_summary_send(user_id=busy_user.pk, day=timezone.localdate()) == "opted_out"
    assert mail.outbox == [] and not MorningSummary.objects.exists()
    assert [user_id for user_id, _ in queued] == [str(other_staff_user.pk)]
    assert dispatched == 1


def test_a_day_with_nothing_on_it_sends_nothing_and_is_not_looked_at_again(staff_user):
    assert morning_summary_send(user_id=staff_user.pk, day=timezone.localdate()) == "nothing"
    assert morning_summary_send(user_id=staff_user.pk, day=timezone.localdate()) == "claimed"
    assert mail.outbox == []


def test_a_refused_send_is_recorded_and_a_later_run_may_try_again(busy_user, monkeypatch):
    def refuse(self, fail_silently=False):
        raise ConnectionRefusedError("mail server down")

    with monkeypatch.context() as patch:
        patch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
        with pytest.raises(ConnectionRefusedError):
            morning_summary_send(user_id=busy_user.pk, day=timezone.localdate())
    claim = MorningSummary.objects.get(user=busy_user)
    assert claim.status == SummaryStatus.FAILED and "mail server down" in claim.error

    assert morning_summary_send(user_id=busy_user.pk, day=timezone.localdate()) == "sent"
    assert len(mail.outbox) == 1


def test_a_deactivated_user_gets_none(busy_user):
    busy_user.is_active = False
    busy_user.save()

    assert morning_summary_send(user_id=busy_user.pk, day=timezone.localdate()) == "inactive"
    assert mail.outbox == []


def test_beat_runs_the_dispatch_every_morning(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["morning-summaries"]

    assert entry["task"] == tasks.morning_summaries_dispatch.name
    assert entry["schedule"].hour == {7} and entry["schedule"].minute == {0}
