"""Indexes for the people list's search, and a truthful planner cost for pg_trgm's functions.

persons_full_name_trgm answers a name search with one bitmap scan per word (it replaced a scan of
the first-name and of the last-name index per word); persons_email_lower_idx makes an exact email
(the duplicate check, a complete address typed in the search box) a single btree lookup.

pg_trgm declares its similarity functions with COST 1, as cheap as comparing two integers, while
one call takes one to six microseconds (about a hundred integer comparisons). Trusting that, the
planner scans a table of 50,000 persons sequentially and computes a word similarity for every row
(190-340 ms) instead of reading the trigram index (30-40 ms). COST 100 tells it the truth.

ALTER FUNCTION needs the owner of the extension's functions. Where the migrating role is not
(a managed PostgreSQL where pg_trgm was created by its trusted-extension mechanism), the costs are
left as they are with a NOTICE and the search still works, only less well planned on small tables;
a DBA can run the same statements. A dump and restore recreates pg_trgm with its own costs, so run
`manage.py migrate persons 0002 && manage.py migrate persons` (or the statements) after one.
"""

from django.conf import settings
from django.db import migrations, models

import django.contrib.postgres.indexes
import django.db.models.functions.text
import persons.models

TRIGRAM_FUNCTIONS = (
    "similarity",
    "similarity_op",
    "word_similarity",
    "word_similarity_op",
    "word_similarity_commutator_op",
    "strict_word_similarity",
    "strict_word_similarity_op",
    "strict_word_similarity_commutator_op",
)


def set_cost(cost: int) -> str:
    statements = " ".join(f"ALTER FUNCTION {name}(text, text) COST {cost};" for name in TRIGRAM_FUNCTIONS)
    return (
        f"DO $$ BEGIN {statements} "
        "EXCEPTION WHEN insufficient_privilege THEN "
        "RAISE NOTICE 'pg_trgm function costs left unchanged: this role does not own them.'; END $$;"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("persons", "0002_database_on_delete"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="person",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.indexes.OpClass(persons.models.FullNameLower(), name="gin_trgm_ops"),
                name="persons_full_name_trgm",
            ),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Lower("email"), name="text_pattern_ops"
                ),
                name="persons_email_lower_idx",
            ),
        ),
        migrations.RunSQL(set_cost(100), reverse_sql=set_cost(1)),
    ]
