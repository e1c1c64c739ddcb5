from django.apps import AppConfig


class WebConfig(AppConfig):
    """Every staff page, one module per area (web/views/): the people list, the person page, the
    pipeline boards; later my day, the network, blasts.

    It has no models. It sits above every domain app because its pages show them together
    (persons, their role extensions, relationships, the timeline of interactions and messages),
    so that the domain apps know nothing of pages and persons stays at the bottom.
    """

    name = "web"
    verbose_name = "Staff pages"
