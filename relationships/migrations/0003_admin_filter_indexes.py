"""An index for the admin's relationship status filter, in the admin's order.

Built CONCURRENTLY, so a large live relationships table keeps taking writes while it builds;
PostgreSQL cannot do that inside a transaction, hence atomic = False.
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("relationships", "0002_database_on_delete"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="relationship",
            index=models.Index(
                fields=["status", "person_a", "relationship_type", "person_b"], name="rel_status_idx"
            ),
        ),
    ]
