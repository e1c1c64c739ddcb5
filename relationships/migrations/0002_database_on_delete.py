from django.db import migrations

from orca.db import database_on_delete


class Migration(migrations.Migration):
    dependencies = [("relationships", "0001_initial")]

    operations = [
        database_on_delete("relationships", "person_a_id", "persons", "CASCADE"),
        database_on_delete("relationships", "person_b_id", "persons", "CASCADE"),
    ]
