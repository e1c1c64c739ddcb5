"""Fixtures every test may use: a user of each role, signed-in clients for them, and a storage
for attached files of the test's own."""

import pytest

from orca.users.models import Role, User

PASSWORD = "correct-horse-battery-staple"


def make_user(role: str, email: str) -> User:
    return User.objects.create_user(email=email, password=PASSWORD, role=role, first_name=role.title())


@pytest.fixture
def staff_user(db) -> User:
    return make_user(Role.STAFF, "staff@example.com")


@pytest.fixture
def other_staff_user(db) -> User:
    return make_user(Role.STAFF, "other.staff@example.com")


@pytest.fixture
def manager_user(db) -> User:
    return make_user(Role.MANAGER, "manager@example.com")


@pytest.fixture
def admin_user(db) -> User:
    return make_user(Role.ADMIN, "admin@example.com")


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def manager_client(client, manager_user):
    client.force_login(manager_user)
    return client


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture(autouse=True)
def attachment_storage(settings, tmp_path):
    """Each test's attached files in its own folder, never in the project's media/.

    Overriding STORAGES through the settings fixture makes Django drop its cached storages
    (django.test.signals.storages_changed), both now and when the test ends.
    """
    location = tmp_path / "attachments"
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": location},
        },
    }
    return location
