from django.db import migrations

# Copied, not imported: a migration keeps the values it was written with.
DEFAULTS = {
    "leads": {
        "new": 2,
        "contacted": 5,
        "qualified": 7,
        "tour_scheduled": 7,
        "tour_completed": 3,
        "trial": 10,
        "negotiating": 7,
    },
    "referrals": {"received": 2, "contacted": 5, "appointment_booked": 7, "visited": 5},
    "members": {"pending": 14, "frozen": 90, "past_due": 7},
}


def create_defaults(apps, schema_editor):
    StageLimit = apps.get_model("pipelines", "StageLimit")
    for pipeline, limits in DEFAULTS.items():
        for status, days in limits.items():
            StageLimit.objects.get_or_create(pipeline=pipeline, status=status, defaults={"days": days})


class Migration(migrations.Migration):
    dependencies = [("pipelines", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
