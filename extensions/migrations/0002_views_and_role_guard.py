"""The three role views and the trigger that keeps extensions to held roles.

SQL lives in versioned files beside this app (extensions/sql/); a later change to a view adds a
new version file and a new migration, never edits an applied one.
"""

from pathlib import Path

from django.db import migrations

SQL = Path(__file__).resolve().parent.parent / "sql"


def sql(name: str) -> str:
    return (SQL / name).read_text()


class Migration(migrations.Migration):
    dependencies = [("extensions", "0001_initial")]

    operations = [
        migrations.RunSQL(sql("leads_view_v1.sql"), "DROP VIEW IF EXISTS leads_view;"),
        migrations.RunSQL(sql("referrals_view_v1.sql"), "DROP VIEW IF EXISTS referrals_view;"),
        migrations.RunSQL(sql("members_view_v1.sql"), "DROP VIEW IF EXISTS members_view;"),
        migrations.RunSQL(
            sql("extension_role_guard_v1.sql"), sql("extension_role_guard_v1.reverse.sql")
        ),
    ]
