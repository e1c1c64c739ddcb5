"""Start-up checks of the interactions settings: a mistyped ATTACHMENT_TYPES is said at once,
not found out when someone attaches a file."""

from django.conf import settings
from django.core.checks import Error, register


@register()
def attachment_types_check(app_configs, **kwargs) -> list[Error]:
    from .attachments import FILE_TYPES

    unknown = [key for key in settings.ATTACHMENT_TYPES if key not in FILE_TYPES]
    if not unknown:
        return []
    return [
        Error(
            f"ATTACHMENT_TYPES names kinds of file ORCA does not know: {', '.join(unknown)}.",
            hint=f"Use some of: {', '.join(FILE_TYPES)}.",
            id="interactions.E001",
        )
    ]
