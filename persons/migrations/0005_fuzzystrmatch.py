"""fuzzystrmatch, for the name search's fallback on near spellings (persons.selectors).

It ships with PostgreSQL's contrib modules, like pg_trgm.
"""

from django.contrib.postgres.operations import CreateExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("persons", "0004_interested_services_check")]

    operations = [CreateExtension("fuzzystrmatch")]
