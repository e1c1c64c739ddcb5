from .views import people, person

app_name = "persons"

# Two view modules, one namespace: the list (people.py) and the person page (person.py).
urlpatterns = [*people.urlpatterns, *person.urlpatterns]
