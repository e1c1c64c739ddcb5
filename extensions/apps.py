from django.apps import AppConfig


class ExtensionsConfig(AppConfig):
    name = "extensions"
    default_auto_field = "django.db.models.BigAutoField"
