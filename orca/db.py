"""Pieces every ORCA table shares."""

import datetime as dt
import uuid

from django.db import models
from django.db.models.functions import Now

# How far a time sent by a client may differ from the server clock and still count as "now": a
# referral dated or a call logged a minute "in the future" by a phone whose clock runs fast, a
# follow-up scheduled for "now" by one that runs slow. One value for every service, so the apps
# agree on where the future starts: a time one of them refuses, all of them refuse.
CLOCK_SKEW = dt.timedelta(minutes=5)


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


def database_on_delete(table: str, column: str, target: str, action: str):
    """A migration step giving an existing foreign key its ON DELETE rule inside PostgreSQL.

    Django 5.2 emulates CASCADE and SET NULL in Python only, so a row deleted by SQL (a script, a
    DBA, a future service using raw SQL) would fail or leave orphans. The constraint keeps the name
    Django gave it, so later schema changes by Django still find it; orca/tests/test_on_delete.py
    checks every rule is in place.
    """
    from django.db import migrations

    def alter(rule: str) -> str:
        return f"""
DO $$
DECLARE fk text;
BEGIN
    SELECT c.conname INTO STRICT fk
    FROM pg_constraint c
    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
    WHERE c.conrelid = '{table}'::regclass AND c.contype = 'f' AND a.attname = '{column}';
    EXECUTE format(
        'ALTER TABLE {table} DROP CONSTRAINT %I, ADD CONSTRAINT %I FOREIGN KEY ({column}) '
        'REFERENCES {target}(id) {rule} DEFERRABLE INITIALLY DEFERRED', fk, fk);
END $$;"""

    return migrations.RunSQL(alter(f"ON DELETE {action}"), alter(""))
