"""Browser tests: pytest-playwright driving the system Chromium against pytest-django's live server.

The distribution's Chromium (/usr/bin/chromium, installed by `make test`) is used instead of a
downloaded browser build, which this project never fetches.
"""

import os
import shutil

import pytest

from conftest import PASSWORD
from extensions.services import person_set_roles
from persons.services import person_create

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make to
# arrange data are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make test`, which installs the chromium package.")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def signed_in(page, live_server):
    """Return a function that signs a user in through the real sign-in form."""

    def sign_in(user):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server.url}/people/**")
        return page

    return sign_in


@pytest.fixture
def make_person(transactional_db):
    """Return a function that records a person through the services, as the app would."""

    def make(first_name: str, last_name: str, *, roles: set[str] = frozenset(), **fields):
        person = person_create(actor=None, first_name=first_name, last_name=last_name, **fields)
        if roles:
            person_set_roles(person=person, roles=set(roles), actor=None)
        return person

    return make
