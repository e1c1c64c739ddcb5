from django.db import migrations

from orca.db import database_on_delete


class Migration(migrations.Migration):
    """In a migration of its own: Django adds the new table's foreign keys at the end of 0004."""

    dependencies = [("relationships", "0004_referral_credits")]

    operations = [
        database_on_delete("referral_credits", "referrer_id", "persons", "CASCADE"),
        database_on_delete("referral_credits", "referred_id", "persons", "CASCADE"),
    ]
