"""The morning summary email: each user's day, sent at most once per user and day.

Claim before send (ARCHITECTURE.md): the row in morning_summaries is inserted (or a failed one
taken back) in its own transaction before the mail server is called, so two beats, a task run
twice or two workers racing each find the claim and stop. A crash between the claim and the send
leaves the row `sending`: the day's summary is then missed, never doubled.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from orca.users.models import User
from orca.users.services import wants_morning_summary, wants_morning_summary_q

from .models import MorningSummary, SummaryStatus
from .selectors import Section, my_day

SUMMARY_ROWS = 5  # rows per section in the email; the page has the rest


def _claim(user: User, day: dt.date) -> MorningSummary | None:
    """The claim on (user, day), or None when another run holds it or has sent it."""
    try:
        with transaction.atomic():
            return MorningSummary.objects.create(user=user, day=day)
    except IntegrityError:
        pass
    # A failed send may be tried again: taken back by one conditional UPDATE, so only one run wins.
    taken = MorningSummary.objects.filter(user=user, day=day, status=SummaryStatus.FAILED).update(
        status=SummaryStatus.SENDING, error=""
    )
    return MorningSummary.objects.get(user=user, day=day) if taken else None


def _message(user: User, day: dt.date, sections: list[Section]) -> EmailMultiAlternatives:
    context = {
        "user": user,
        "day": day,
        "sections": [section for section in sections if section.count],
        "my_day_url": settings.SITE_URL.rstrip("/") + reverse("my_day:day"),
        "settings_url": settings.SITE_URL.rstrip("/") + reverse("account:settings"),
    }
    total = sum(section.count for section in sections)
    message = EmailMultiAlternatives(
        subject=f"Your day, {day:%A %-d %B}: {total} thing{'s' if total != 1 else ''} to do",
        body=render_to_string("agenda/morning_summary.txt", context),
        to=[user.email],
    )
    message.attach_alternative(render_to_string("agenda/morning_summary.html", context), "text/html")
    return message


def morning_summary_send(*, user_id, day: dt.date, now: dt.datetime | None = None) -> str:
    """Send the user's summary of `day` unless it was sent, is being sent, or they opted out.

    Returns what happened: "sent", "nothing" (an empty day), "opted_out", "inactive" or "claimed"
    (another run has it).
    """
    user = User.objects.filter(pk=user_id).first()
    if user is None or not user.is_active or not user.email:
        return "inactive"
    if not wants_morning_summary(user):
        return "opted_out"
    claim = _claim(user, day)
    if claim is None:
        return "claimed"
    sections = my_day(user=user, now=now, rows=SUMMARY_ROWS)
    if not any(section.count for section in sections):
        MorningSummary.objects.filter(pk=claim.pk).update(status=SummaryStatus.NOTHING)
        return SummaryStatus.NOTHING
    try:
        _message(user, day, sections).send()
    except Exception as error:
        MorningSummary.objects.filter(pk=claim.pk).update(
            status=SummaryStatus.FAILED, error=str(error)[:2000]
        )
        raise
    MorningSummary.objects.filter(pk=claim.pk).update(status=SummaryStatus.SENT, sent_at=timezone.now())
    return SummaryStatus.SENT


def morning_summary_recipients() -> list:
    """The ids of the active users who get a summary (they have not opted out)."""
    return list(
        User.objects.filter(wants_morning_summary_q(), is_active=True)
        .exclude(email="")
        .values_list("pk", flat=True)
    )
