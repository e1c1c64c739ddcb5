"""Browser tests: pytest-playwright driving the system Chromium against pytest-django's live server.

The distribution's Chromium (/usr/bin/chromium, installed by `make test`) is used instead of a
downloaded browser build, which this project never fetches.
"""

import os
import shutil

import pytest

from conftest import PASSWORD

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
