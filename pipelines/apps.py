from django.apps import AppConfig


class PipelinesConfig(AppConfig):
    """Working the lead, referral and member pipelines: moves with their consequences, check-ins,
    churn risk, stale-stage limits and the pipeline numbers.

    A domain app above extensions, relationships and interactions (beside messaging), because a
    move touches all three: winning a lead takes on the member role (extensions), credits the
    referrers (relationships) and a booked tour is a scheduled interaction. It knows nothing of pages.
    """

    name = "pipelines"
    verbose_name = "Pipelines"
    default_auto_field = "django.db.models.BigAutoField"
