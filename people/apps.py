from django.apps import AppConfig


class PeopleConfig(AppConfig):
    """The staff pages about people: the list, the person page, create and delete.

    It has no models. It sits above every role app because a person page shows them all together
    (persons, their role extensions, relationships, the timeline of interactions and messages),
    so that persons itself can stay below them and import none of them.
    """

    name = "people"
    verbose_name = "People pages"
