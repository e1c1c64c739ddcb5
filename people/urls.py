from .views import people, person

# The namespace stays "persons": every page, template and test reverses "persons:…".
app_name = "persons"

# Two view modules, one namespace: the list (people.py) and the person page (person.py).
urlpatterns = [*people.urlpatterns, *person.urlpatterns]
