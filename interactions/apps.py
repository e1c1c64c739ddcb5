from django.apps import AppConfig


class InteractionsConfig(AppConfig):
    name = "interactions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the settings check)
