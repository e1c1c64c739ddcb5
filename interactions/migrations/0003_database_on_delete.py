from django.db import migrations

from orca.db import database_on_delete


class Migration(migrations.Migration):
    dependencies = [("interactions", "0002_interaction_interactions_created_idx")]

    operations = [
        database_on_delete("interactions", "person_id", "persons", "CASCADE"),
        database_on_delete("interactions", "user_id", "users", "SET NULL"),
    ]
