"""The custom user: email sign-in in any case, roles held by the database, what each role may do."""

import pytest
from django.contrib.auth import authenticate
from django.db import IntegrityError, transaction
from django.test import RequestFactory

from orca.users.factories import DEFAULT_PASSWORD, UserFactory
from orca.users.models import Role, User

pytestmark = pytest.mark.django_db


def sign_in(email: str, password: str = DEFAULT_PASSWORD):
    # django-axes needs the request to count failures per address.
    request = RequestFactory().post("/accounts/login/")
    return authenticate(request=request, username=email, password=password)


def test_creating_a_user_stores_the_email_lowercased():
    user = User.objects.create_user(email="  Ada.Lovelace@Example.COM ", password="x")
    assert User.objects.get(pk=user.pk).email == "ada.lovelace@example.com"


def test_the_database_refuses_two_users_whose_emails_differ_only_in_case():
    UserFactory(email="ada@example.com")
    other = UserFactory(email="grace@example.com")
    # .update() skips save(), which would lowercase it: the unique index on lower(email) decides.
    with pytest.raises(IntegrityError, match="users_email_ci_unique"), transaction.atomic():
        User.objects.filter(pk=other.pk).update(email="ADA@example.com")


@pytest.mark.parametrize("typed", ["ada@example.com", "ADA@EXAMPLE.COM", "Ada@Example.com"])
def test_a_user_signs_in_with_their_email_in_any_case(typed):
    user = UserFactory(email="ada@example.com")
    assert sign_in(typed) == user


def test_a_wrong_password_does_not_sign_in():
    UserFactory(email="ada@example.com")
    assert sign_in("ada@example.com", "not-the-password") is None


def test_the_database_refuses_an_unknown_role():
    user = UserFactory()
    with pytest.raises(IntegrityError, match="user_role_valid"), transaction.atomic():
        User.objects.filter(pk=user.pk).update(role="owner")


def test_managers_and_admins_may_use_the_django_admin_but_front_desk_staff_may_not():
    assert not UserFactory().is_staff
    assert UserFactory(manager=True).is_staff
    assert UserFactory(admin=True).is_staff


def test_an_inactive_manager_may_not_use_the_django_admin():
    assert not UserFactory(manager=True, is_active=False).is_staff


def test_an_admin_has_every_permission():
    admin = UserFactory(admin=True)
    assert admin.is_superuser
    assert admin.has_perm("users.delete_user")
    assert admin.has_perm("persons.delete_person")
    assert admin.has_module_perms("users")


def test_a_manager_administers_the_club_data_but_not_users():
    manager = UserFactory(manager=True)
    assert not manager.is_superuser
    assert manager.has_perm("persons.delete_person")
    assert manager.has_perm("messaging.add_blast")
    assert manager.has_perm("users.view_user")
    assert not manager.has_perm("users.change_user")
    assert not manager.has_perm("auth.change_group")


def test_front_desk_staff_have_no_admin_permissions():
    staff = UserFactory()
    assert not staff.has_perm("persons.view_person")
    assert not staff.has_module_perms("persons")


def test_changing_an_admins_role_takes_away_superuser():
    user = UserFactory(admin=True)
    user.role = Role.STAFF
    user.save()
    user.refresh_from_db()
    assert not user.is_superuser and not user.has_perm("persons.delete_person")
