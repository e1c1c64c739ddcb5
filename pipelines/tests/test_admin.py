"""The club's pipeline settings in the admin: stale limits per stage, closed days; the credit ledger."""

import pytest
from django.urls import reverse

from pipelines.models import StageLimit
from relationships.models import ReferralCredit

pytestmark = pytest.mark.django_db


def test_a_manager_changes_how_long_a_stage_may_take(manager_client):
    limit = StageLimit.objects.get(pipeline="leads", status="new")
    url = reverse("admin:pipelines_stagelimit_change", args=[limit.pk])
    response = manager_client.post(url, {"days": "4"})
    assert response.status_code == 302
    assert StageLimit.objects.get(pk=limit.pk).days == 4


@pytest.mark.parametrize(
    "status, message",
    [("won", "ends the journey"), ("promoted", "is not a stage of Leads")],
)
def test_a_limit_for_a_closed_or_unknown_stage_is_refused(manager_client, status, message):
    StageLimit.objects.filter(pipeline="leads", status="new").delete()
    response = manager_client.post(
        reverse("admin:pipelines_stagelimit_add"), {"pipeline": "leads", "status": status, "days": "3"}
    )
    assert response.status_code == 200 and message in response.content.decode()
    assert not StageLimit.objects.filter(status=status).exists()


def test_staff_cannot_open_the_pipeline_settings(staff_client):
    response = staff_client.get(reverse("admin:pipelines_stagelimit_changelist"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_credit_cannot_be_deleted_on_its_own(manager_client):
    from persons.factories import PersonFactory

    credit = ReferralCredit.objects.create(
        referrer=PersonFactory(), referred=PersonFactory(), attribution_percentage=100, amount="50.00"
    )
    response = manager_client.post(
        reverse("admin:relationships_referralcredit_delete", args=[credit.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert ReferralCredit.objects.filter(pk=credit.pk).exists()
