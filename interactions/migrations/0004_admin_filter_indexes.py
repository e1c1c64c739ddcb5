"""Indexes for the admin's interaction filters (status; negative sentiment), newest first.

Built CONCURRENTLY, so a large live interactions table keeps taking writes while they build;
PostgreSQL cannot do that inside a transaction, hence atomic = False.
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("interactions", "0003_database_on_delete"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="interaction",
            index=models.Index(fields=["status", "created_at", "id"], name="interactions_status_idx"),
        ),
        AddIndexConcurrently(
            model_name="interaction",
            index=models.Index(
                condition=models.Q(("sentiment", "negative")),
                fields=["created_at", "id"],
                name="interactions_negative_idx",
            ),
        ),
    ]
