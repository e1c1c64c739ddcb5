"""A NUL byte in any field of any form of the staff app is refused, never answered with a 500.

PostgreSQL text cannot hold NUL (psycopg raises DataError), so no value a form hands on may carry
one. The forms are found by walking the modules of the web app, not listed here: a new form, or a
new field of an old one, is held to this as soon as it exists. Each form is built through its own
constructor, its keyword arguments taken by name from form_arguments(), and bound to what it renders
with (its initial values) with a NUL added to one field at a time.

Then every request the permission walk posts (tests/test_permissions.py EXPECTATIONS), and the
people list's query parameters, are sent with a NUL in each value in turn, through the real views.
"""

from __future__ import annotations

import copy
import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from typing import Any

import django_filters
import pytest
from django import forms
from django.db.models import Model
from django.forms.forms import NON_FIELD_ERRORS
from django.forms.models import BaseModelForm
from django.test import RequestFactory
from django.urls import reverse

import web
from extensions.services import ROLES
from interactions.models import Interaction
from interactions.services import interaction_log
from persons.models import Person
from pipelines.rules import LEADS
from tests.test_permissions import EXPECTATIONS, World, form_post_data

pytestmark = pytest.mark.django_db

NUL_TEXT = "ba\x00d"

FormClass = type[forms.BaseForm] | type[django_filters.FilterSet]


# --- Finding the forms -------------------------------------------------------------------------


def _is_abstract(cls: FormClass) -> bool:
    """A base to build forms on: a FilterSet without filters, or a model form without a model."""
    if issubclass(cls, django_filters.FilterSet):
        return not cls.base_filters
    if issubclass(cls, BaseModelForm):
        return cls._meta.model is None
    return False


def staff_app_form_classes() -> dict[str, FormClass]:
    """Every form and FilterSet class defined in the web app's modules, by dotted name.

    A FilterSet's form class (its Meta.form), and a base it shares with others, is left out: it
    gets its fields from the FilterSet, and is walked as that.
    """
    found: dict[str, FormClass] = {}
    for module_info in pkgutil.walk_packages(web.__path__, prefix="web."):
        if ".tests" in module_info.name or ".migrations" in module_info.name:
            continue
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and value.__module__ == module.__name__
                and issubclass(value, forms.BaseForm | django_filters.FilterSet)
                and not _is_abstract(value)
            ):
                found[f"{module.__name__}.{value.__qualname__}"] = value
    filter_forms = {
        base
        for cls in found.values()
        if issubclass(cls, django_filters.FilterSet)
        for base in cls._meta.form.__mro__
    }
    return {name: cls for name, cls in found.items() if cls not in filter_forms}


FORM_CLASSES = staff_app_form_classes()


# --- Building them ------------------------------------------------------------------------------


@pytest.fixture
def world(staff_user, other_staff_user, manager_user, admin_user) -> World:
    return World(
        users={
            "staff": staff_user,
            "other_staff": other_staff_user,
            "manager": manager_user,
            "admin": admin_user,
        }
    )


def form_arguments(world: World) -> dict[str, Any]:
    """Constructor keyword arguments by name: what the views pass, for a manager (who sees every
    field, assigned_to included)."""
    manager = world.users["manager"]
    request = RequestFactory().get("/people/")
    request.user = manager
    return {
        "user": manager,
        "users": list(world.users.values()),
        "can_reassign": True,
        "request": request,
        # The lead pipeline's forms have every field the pipeline forms have (temperature).
        "pipeline": LEADS,
    }


def instance_for(model: type[Model], person: Person) -> Model:
    """The row a model form edits: the person, their role extension, or an interaction of theirs."""
    if model is Person:
        return person
    if model is Interaction:
        return interaction_log(person=person, user=None, interaction_type="call", subject="Walked call")
    for role, spec in ROLES.items():
        if spec.extension is model:
            return getattr(person, role)
    pytest.fail(f"tests/test_nul_bytes.py instance_for: say which row a {model.__name__} form edits.")


def build(cls: FormClass, data: dict[str, Any] | None, *, world: World, person: Person) -> forms.BaseForm:
    arguments = form_arguments(world)
    kwargs: dict[str, Any] = {}
    for name, parameter in inspect.signature(cls.__init__).parameters.items():
        if parameter.kind is not inspect.Parameter.KEYWORD_ONLY:
            continue
        if name in arguments:
            kwargs[name] = arguments[name]
        elif parameter.default is inspect.Parameter.empty:
            pytest.fail(
                f"{cls.__qualname__} needs `{name}`: add it to form_arguments() in tests/test_nul_bytes.py."
            )
    if issubclass(cls, django_filters.FilterSet):
        # Validating the form reads no rows, so any queryset will do where the FilterSet names no
        # model (the view hands it one).
        model = cls._meta.model or Person
        return cls(data, queryset=model._default_manager.none(), **kwargs).form
    if issubclass(cls, BaseModelForm):
        # A model form writes what it cleaned into its instance: each form gets its own copy.
        kwargs["instance"] = copy.copy(instance_for(cls._meta.model, person))
    return cls(data, **kwargs)


def with_nul(value: Any) -> Any:
    """The value as sent, with one more item that holds a NUL: "good" → "good, ba\\x00d"."""
    if isinstance(value, list):
        return [*value, NUL_TEXT]
    return f"{value}, {NUL_TEXT}" if value else NUL_TEXT


def holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(holds_nul(key) or holds_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return any(holds_nul(item) for item in value)
    return False


def poisoned_posts(form: forms.BaseForm) -> Iterator[tuple[forms.BoundField, dict[str, Any]]]:
    """What the form renders with, once per field with a NUL added to that field."""
    data = form_post_data(form)
    for bound in form:
        yield bound, {**data, bound.html_name: with_nul(data.get(bound.html_name, ""))}


def refusal(form: forms.BaseForm, bound: forms.BoundField) -> str:
    """What is wrong with how the form took the NUL sent in `bound`; empty when nothing is."""
    form.is_valid()
    if holds_nul(form.cleaned_data):
        return f"{bound.name}: accepted, cleaned to {form.cleaned_data.get(bound.name)!r}"
    # A hidden field has nowhere to show an error; ConcurrencyForm moves its errors above the fields.
    said = bound.name in form.errors or (bound.is_hidden and NON_FIELD_ERRORS in form.errors)
    # A checkbox is ticked by any value: it cleans to True, and the text goes no further. A file
    # input reads only the uploaded files, never the posted text, so a NUL sent under its name
    # reaches no value (an uploaded file's own name is made safe where it is stored).
    if not said and not isinstance(bound.field.widget, forms.CheckboxInput | forms.FileInput):
        return f"{bound.name}: the NUL was dropped without an error beside the field"
    return ""


# --- Every form, every field ------------------------------------------------------------------------


def test_the_walk_finds_every_form_of_the_person_page_the_list_and_its_bulk_actions():
    names = {name.rsplit(".", 1)[1] for name in FORM_CLASSES}
    assert {
        "PersonProfileForm",
        "PersonPreferencesForm",
        "PersonNotesForm",
        "LeadExtensionForm",
        "ReferralExtensionForm",
        "MemberExtensionForm",
        "RolesForm",
        "PersonCreateForm",
        "DuplicateCheckForm",
        "PersonFilter",
        "ListOptionsForm",
        "BulkActionForm",
    } <= names
    assert not {"ConcurrencyForm", "ExtensionForm", "PersonFilterForm"} & names


@pytest.mark.parametrize("name", sorted(FORM_CLASSES))
def test_a_nul_byte_in_any_field_of_a_staff_app_form_is_refused_beside_that_field(name, world):
    cls = FORM_CLASSES[name]
    person = world.person_for("unassigned")
    unbound = build(cls, None, world=world, person=person)
    assert list(unbound), f"{name} renders no field"
    failures = [
        reason
        for bound, data in poisoned_posts(unbound)
        if (reason := refusal(build(cls, data, world=world, person=person), bound))
    ]
    assert not failures, f"{name} lets a NUL byte through:\n" + "\n".join(failures)


# --- Every posted URL, every value ------------------------------------------------------------------


def posted_requests() -> Iterator[tuple[str, Any, dict[str, Any]]]:
    """(URL name, its call, a variant of its kwargs) for every request of the walk that posts data."""
    for name, expectation in sorted(EXPECTATIONS.items()):
        for call in expectation.calls:
            if call.data is None:
                continue
            for variant in expectation.variants:
                yield name, call, variant


POSTED = list(posted_requests())


@pytest.mark.parametrize(
    ("name", "call", "variant"),
    POSTED,
    ids=[
        f"{name} {call.label} {variant}" if variant else f"{name} {call.label}"
        for name, call, variant in POSTED
    ],
)
def test_a_nul_byte_in_any_value_posted_to_a_staff_url_is_refused_without_a_500(
    name, call, variant, world, client
):
    client.force_login(world.users["manager"])
    expectation = EXPECTATIONS[name]
    first = world.person_for("unassigned")
    keys = call.data(first, expectation.kwargs_for(world, first, variant))
    for key in keys:
        # A fresh person each time: an earlier post that was accepted (a ticked checkbox) must not
        # turn the next one into a refused stale edit before its values are even written.
        person = world.person_for("unassigned")
        kwargs = expectation.kwargs_for(world, person, variant)
        data = call.data(person, kwargs)
        response = client.post(
            reverse(name, kwargs=kwargs),
            {**data, key: with_nul(data[key])},
            **({"HTTP_HX_REQUEST": "true"} if call.htmx else {}),
        )
        # The test client raises the view's exception (DataError) rather than answer 500.
        assert response.status_code < 500, f"{key}: {response.status_code}"
        Person.objects.all().delete()


def test_a_nul_byte_in_any_parameter_of_the_people_list_is_refused_without_a_500(world, client):
    client.force_login(world.users["manager"])
    filters = build(FORM_CLASSES["web.filters.PersonFilter"], None, world=world, person=Person())
    options = build(FORM_CLASSES["web.filters.ListOptionsForm"], None, world=world, person=Person())
    names = [bound.html_name for bound in (*filters, *options)] + ["after", "before"]
    for name in names:
        response = client.get(reverse("persons:list"), {name: NUL_TEXT})
        assert response.status_code in (200, 422), f"{name}: {response.status_code}"
