"""Celery tasks: thin wrappers around the services, safe to run twice."""

from celery import shared_task

from .attendance import churn_risk_refresh as refresh


@shared_task(name="pipelines.tasks.churn_risk_refresh", acks_late=True)
def churn_risk_refresh() -> int:
    """Nightly (beat): every member's churn risk and its reason, in one set-based statement."""
    return refresh()
