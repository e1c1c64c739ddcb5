"""Celery tasks: thin wrappers around the services, safe to run twice."""

import datetime as dt

from celery import shared_task
from django.utils import timezone

from .services import morning_summary_recipients, morning_summary_send


@shared_task(name="agenda.tasks.morning_summaries_dispatch", acks_late=True)
def morning_summaries_dispatch() -> int:
    """Each morning (beat): one task per user for today's summary. A second beat, or this task run
    twice, enqueues the same tasks again; their claim lets only one of each send."""
    day = timezone.localdate().isoformat()
    recipients = morning_summary_recipients()
    for user_id in recipients:
        morning_summary.delay(str(user_id), day)
    return len(recipients)


@shared_task(name="agenda.tasks.morning_summary", acks_late=True)
def morning_summary(user_id: str, day: str) -> str:
    return morning_summary_send(user_id=user_id, day=dt.date.fromisoformat(day))
