"""Indexes for the admin's message filters (status; one-to-one messages), newest first.

Built CONCURRENTLY, so a large live messages table keeps taking writes (a blast being sent)
while they build; PostgreSQL cannot do that inside a transaction, hence atomic = False.
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("messaging", "0003_database_on_delete"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="message",
            index=models.Index(fields=["status", "created_at", "id"], name="messages_status_idx"),
        ),
        AddIndexConcurrently(
            model_name="message",
            index=models.Index(
                condition=models.Q(("is_blast", False)),
                fields=["created_at", "id"],
                name="messages_one_to_one_idx",
            ),
        ),
    ]
