from django.apps import AppConfig


class AgendaConfig(AppConfig):
    """A staff member's day: what My day lists, the contact advice it gives and the morning summary.

    A domain app above persons, extensions and interactions (it reads all three) and below web:
    it knows nothing of pages.
    """

    name = "agenda"
    verbose_name = "My day"
    default_auto_field = "django.db.models.BigAutoField"
