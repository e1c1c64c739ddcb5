from django.db import migrations

from orca.db import database_on_delete


class Migration(migrations.Migration):
    dependencies = [("persons", "0001_initial")]

    operations = [database_on_delete("persons", "assigned_to", "users", "SET NULL")]
