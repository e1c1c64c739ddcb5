from django.apps import AppConfig


class OrcaConfig(AppConfig):
    """The project package as an app: the dashboard, shared templates tags and commands."""

    name = "orca"
    default_auto_field = "django.db.models.BigAutoField"
