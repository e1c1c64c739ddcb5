"""The models and the migrations agree, so a deploy never needs a migration nobody wrote."""

from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_makemigrations_finds_no_model_change_without_a_migration():
    out = StringIO()
    try:
        call_command("makemigrations", check=True, dry_run=True, stdout=out, stderr=out)
    except SystemExit:
        pytest.fail(f"Model changes without a migration:\n{out.getvalue()}", pytrace=False)
    assert "No changes detected" in out.getvalue()
