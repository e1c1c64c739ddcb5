"""`manage.py check --deploy` with production settings: HTTPS only by default, nothing to warn about.

Under pytest, orca/settings.py leaves the HTTPS settings off (the test client speaks plain HTTP),
so these run manage.py in a process of its own, with the environment of a production start.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys

from django.conf import settings

SHOW_HTTPS_SETTINGS = """
import json
import django
from django.conf import settings
django.setup()
names = ("SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
         "SECURE_HSTS_PRELOAD", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE")
print(json.dumps({name: getattr(settings, name) for name in names}))
"""


def production(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run python with these arguments in the project, as a production process would start: with
    only DEBUG off and a real secret key, so every other setting is at its default. Nothing of the
    suite's environment is passed on (pytest's PYTEST_VERSION, which orca/settings.py reads as
    "testing", scripts/test.sh's HTTPS settings, the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE)."""
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "orca.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        **env,
    }
    return subprocess.run(
        [sys.executable, *args], cwd=settings.BASE_DIR, env=environment, capture_output=True, text=True
    )


def deploy_check(**env: str) -> subprocess.CompletedProcess[str]:
    return production("manage.py", "check", "--deploy", "--fail-level", "WARNING", **env)


def test_the_deploy_check_finds_nothing_to_warn_about_with_production_settings():
    result = deploy_check()

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_redirects_to_https_and_sends_hsts_for_a_year_by_default():
    result = production("-c", SHOW_HTTPS_SETTINGS)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": False,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
    }


PLAIN_HTTP = {"SECURE_COOKIES": "0", "SECURE_SSL_REDIRECT": "0", "SECURE_HSTS_SECONDS": "0"}


def test_a_plain_http_set_up_turns_https_off_and_the_deploy_check_says_so():
    shown = production("-c", SHOW_HTTPS_SETTINGS, **PLAIN_HTTP)
    checked = deploy_check(**PLAIN_HTTP)

    assert json.loads(shown.stdout) == {
        "SECURE_SSL_REDIRECT": False,
        "SECURE_HSTS_SECONDS": 0,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_HSTS_PRELOAD": False,
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
    }
    assert checked.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in checked.stderr, warning
