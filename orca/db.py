"""Pieces every ORCA table shares."""

import uuid

from django.db import models
from django.db.models.functions import Now


class TimeStampedModel(models.Model):
    """UUID primary key and created_at/updated_at kept by Django and defaulted by PostgreSQL.

    The database defaults matter for set-based inserts (INSERT ... SELECT) that bypass the ORM.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())

    class Meta:
        abstract = True


def choices_check(field: str, choices: type[models.TextChoices], *, blank: bool = False):
    """A CHECK constraint holding an enumerated text column to its TextChoices."""
    values = list(choices.values) + ([""] if blank else [])
    return models.CheckConstraint(
        condition=models.Q(**{f"{field}__in": values}), name=f"%(class)s_{field}_valid"
    )


def percent_check(field: str):
    """A CHECK constraint keeping a percentage or score within 0-100 (NULL allowed)."""
    return models.CheckConstraint(
        condition=models.Q(**{f"{field}__gte": 0, f"{field}__lte": 100})
        | models.Q(**{f"{field}__isnull": True}),
        name=f"%(class)s_{field}_0_100",
    )
