from django.db import migrations

from orca.db import database_on_delete


class Migration(migrations.Migration):
    dependencies = [("extensions", "0002_views_and_role_guard")]

    operations = [
        database_on_delete(table, "person_id", "persons", "CASCADE")
        for table in ("lead_extensions", "referral_extensions", "member_extensions")
    ]
