from django.apps import AppConfig


class PersonsConfig(AppConfig):
    name = "persons"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from .selectors import set_search_thresholds

        connection_created.connect(set_search_thresholds, dispatch_uid="persons_search_thresholds")
