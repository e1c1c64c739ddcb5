"""Browser tests: pytest-playwright driving the system Chromium against pytest-django's live server.

The distribution's Chromium (/usr/bin/chromium, installed by `make test`) is used instead of a
downloaded browser build, which this project never fetches. Every page of every test runs under
ORCA's Content-Security-Policy, and a test whose pages break it fails (csp_violations).
"""

import os
import shutil
from typing import Any

import pytest
from playwright.sync_api import BrowserContext

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


# Runs in every page before the page's own scripts, outside the page's policy (Playwright injects
# it), and reports each violation of the policy to the test through the exposed binding.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportCspViolation({
    page: document.location.href,
    directive: event.effectiveDirective,
    blocked: event.blockedURI,
    source: `${event.sourceFile}:${event.lineNumber}`,
    sample: event.sample,
  });
});
"""


@pytest.fixture(autouse=True)
def csp_violations(context: BrowserContext):
    """The policy violations the test's pages reported; any left at the end fail the test.

    A test that provokes one on purpose reads this list and empties it.
    """
    violations: list[dict[str, Any]] = []
    context.expose_binding("reportCspViolation", lambda source, violation: violations.append(violation))
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    yield violations
    if violations:
        pytest.fail(
            "The Content-Security-Policy refused something on these pages:\n"
            + "\n".join(str(violation) for violation in violations)
        )


@pytest.fixture
def signed_in(page, live_server):
    """Return a function that signs a user in through the real sign-in form.

    It lands on the people list, where most flows start; `then="/"` follows the sign-in home, to
    the user's day.
    """

    def sign_in(user, then: str = "/people/"):
        page.goto(f"{live_server.url}/accounts/login/?next={then}")
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server.url}{'/my-day/' if then == '/' else then}")
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
