"""The staff pages: one URL prefix and one namespace per area, each area a module of web/views/.

The people list and the person page share the namespace "persons" (every template and test
reverses "persons:…"); each later area has its own ("pipelines:…").
"""

from django.urls import include, path

from .views import account, interactions, my_day, people, person, pipelines

urlpatterns = [
    path(
        "people/", include(([*people.urlpatterns, *person.urlpatterns, *interactions.urlpatterns], "persons"))
    ),
    path("pipelines/", include((pipelines.urlpatterns, "pipelines"))),
    path("my-day/", include((my_day.urlpatterns, "my_day"))),
    path("account/", include((account.urlpatterns, "account"))),
]
