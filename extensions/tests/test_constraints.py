"""What the database itself refuses in the three extension tables, whatever path a write takes."""

import pytest
from django.db import IntegrityError, connection, transaction

from extensions.factories import LeadExtensionFactory, MemberExtensionFactory, ReferralExtensionFactory
from extensions.models import LeadExtension, MemberExtension, ReferralExtension

pytestmark = pytest.mark.django_db

FACTORIES = {
    LeadExtension: LeadExtensionFactory,
    ReferralExtension: ReferralExtensionFactory,
    MemberExtension: MemberExtensionFactory,
}
# (model, constraint names ("|": a value trips either), {column: value}). Each value is refused.
CHECK_CASES = [
    (LeadExtension, "leadextension_lead_status_valid", {"lead_status": "maybe"}),
    (LeadExtension, "leadextension_lead_temperature_valid", {"lead_temperature": "lukewarm"}),
    (LeadExtension, "leadextension_decision_authority_valid", {"decision_authority": "dog"}),
    (LeadExtension, "leadextension_decision_timeline_valid", {"decision_timeline": "never"}),
    (LeadExtension, "leadextension_previous_experience_valid", {"previous_experience": "olympian"}),
    (LeadExtension, "leadextension_trial_status_valid", {"trial_status": "paused"}),
    (LeadExtension, "leadextension_readiness_score_0_100", {"readiness_score": 101}),
    (
        LeadExtension,
        "lead_extensions_readiness_score_check|leadextension_readiness_score_0_100",
        {"readiness_score": -1},
    ),
    (LeadExtension, "leadextension_conversion_probability_0_100", {"conversion_probability": 150}),
    (
        LeadExtension,
        "lead_extensions_conversion_probability_check|leadextension_conversion_probability_0_100",
        {"conversion_probability": -5},
    ),
    (LeadExtension, "leadextension_estimated_value_not_negative", {"estimated_value": -1}),
    (ReferralExtension, "referralextension_referral_status_valid", {"referral_status": "lost"}),
    (
        ReferralExtension,
        "referralextension_relationship_to_referrer_valid",
        {"relationship_to_referrer": "boss"},
    ),
    (ReferralExtension, "referralextension_relationship_strength_valid", {"relationship_strength": "epic"}),
    (ReferralExtension, "referralextension_permission_level_valid", {"permission_level": "anything"}),
    (ReferralExtension, "referralextension_appointment_status_valid", {"appointment_status": "late"}),
    (ReferralExtension, "referralextension_conversion_status_valid", {"conversion_status": "partly"}),
    (ReferralExtension, "referralextension_conversion_probability_0_100", {"conversion_probability": 101}),
    (
        ReferralExtension,
        "referral_extensions_conversion_probability_check|referralextension_conversion_probability_0_100",
        {"conversion_probability": -1},
    ),
    (MemberExtension, "memberextension_membership_type_valid", {"membership_type": "platinum"}),
    (MemberExtension, "memberextension_membership_status_valid", {"membership_status": "won"}),
    (MemberExtension, "memberextension_payment_status_valid", {"payment_status": "maybe"}),
    (MemberExtension, "memberextension_churn_risk_valid", {"churn_risk": "certain"}),
    (MemberExtension, "memberextension_satisfaction_score_0_100", {"satisfaction_score": 101}),
    (
        MemberExtension,
        "member_extensions_satisfaction_score_check|memberextension_satisfaction_score_0_100",
        {"satisfaction_score": -1},
    ),
    (MemberExtension, "memberextension_billing_day_1_28", {"billing_day": 0}),
    (MemberExtension, "memberextension_billing_day_1_28", {"billing_day": 29}),
    (
        MemberExtension,
        "member_extensions_billing_day_check|memberextension_billing_day_1_28",
        {"billing_day": -3},
    ),
    (MemberExtension, "memberextension_money_not_negative", {"lifetime_value": -0.01}),
    (MemberExtension, "memberextension_money_not_negative", {"current_monthly_spend": -49}),
    (MemberExtension, "memberextension_money_not_negative", {"referral_rewards_earned": -25}),
    (MemberExtension, "member_extensions_check_in_count_check", {"check_in_count": -1}),
    (MemberExtension, "member_extensions_attendance_streak_check", {"attendance_streak": -1}),
    (
        MemberExtension,
        "member_extensions_referral_count_check|memberextension_successful_le_referrals",
        {"referral_count": -1},
    ),
    (MemberExtension, "member_extensions_successful_referrals_check", {"successful_referrals": -1}),
    (
        MemberExtension,
        "memberextension_successful_le_referrals",
        {"referral_count": 1, "successful_referrals": 2},
    ),
]
MONEY_COLUMNS = [
    ("lead_extensions", "estimated_value"),
    ("member_extensions", "lifetime_value"),
    ("member_extensions", "current_monthly_spend"),
    ("member_extensions", "referral_rewards_earned"),
]


def check_constraints_of(table: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE contype = 'c' AND conrelid = %s::regclass", [table]
        )
        return {name for (name,) in cursor.fetchall()}


@pytest.mark.parametrize("model", list(FACTORIES), ids=lambda m: m._meta.db_table)
def test_every_check_constraint_on_each_extension_table_has_a_case_below(model):
    covered = {
        name for case_model, names, _ in CHECK_CASES if case_model is model for name in names.split("|")
    }
    assert check_constraints_of(model._meta.db_table) == covered


@pytest.mark.parametrize(
    ("model", "constraint", "values"),
    CHECK_CASES,
    ids=[f"{names.split('|')[-1]}-{next(iter(values))}" for _, names, values in CHECK_CASES],
)
def test_the_database_refuses_a_value_outside_each_check_constraint(model, constraint, values):
    extension = FACTORIES[model]()
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        model.objects.filter(pk=extension.pk).update(**values)
    assert any(name in str(refused.value) for name in constraint.split("|"))


@pytest.mark.parametrize("model", list(FACTORIES), ids=lambda m: m._meta.db_table)
def test_a_person_has_at_most_one_extension_of_each_kind(model):
    extension = FACTORIES[model]()
    with pytest.raises(IntegrityError, match="person_id"), transaction.atomic():
        model.objects.create(person=extension.person)
    assert model.objects.filter(person=extension.person).count() == 1


def test_a_person_may_hold_one_extension_of_every_kind_at_once():
    lead = LeadExtensionFactory()
    ReferralExtensionFactory(person=lead.person)
    MemberExtensionFactory(person=lead.person)
    lead.person.refresh_from_db()
    assert lead.person.roles == {"lead", "referral", "member"}


@pytest.mark.parametrize(("table", "column"), MONEY_COLUMNS)
def test_money_columns_are_exact_numerics_with_cents(table, column):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT data_type, numeric_scale FROM information_schema.columns "
            "WHERE table_schema = 'public' AND table_name = %s AND column_name = %s",
            [table, column],
        )
        assert cursor.fetchone() == ("numeric", 2)


def test_the_extension_factories_move_statuses_through_the_service_so_history_is_kept(manager_user):
    lead = LeadExtensionFactory(statuses=[("contacted", None, "Called back"), ("qualified", None)])
    assert [entry["status"] for entry in lead.status_history] == ["new", "contacted", "qualified"]
    assert lead.status_history[1]["note"] == "Called back"
    with pytest.raises(TypeError, match="statuses"):
        LeadExtensionFactory(lead_status="won")
