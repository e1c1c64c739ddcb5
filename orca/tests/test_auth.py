"""Sign in, sign out, lockout after failed sign-ins, and password reset by email."""

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD

LOGIN_URL = "/accounts/login/"


def sign_in(client, username: str, password: str):
    return client.post(LOGIN_URL, {"username": username, "password": password})


def signed_in_user_id(client) -> str | None:
    return client.session.get("_auth_user_id")


@pytest.mark.django_db
def test_anonymous_is_redirected_to_login_from_home(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN_URL}?next=/"


@pytest.mark.django_db
def test_anonymous_is_redirected_to_login_from_the_people_list(client):
    response = client.get("/people/")

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN_URL}?next=/people/"


@pytest.mark.django_db
def test_anonymous_is_sent_to_the_admin_login_from_admin(client):
    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_signed_in_user_is_sent_from_home_to_their_day(staff_client):
    response = staff_client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/my-day/"


@pytest.mark.django_db
def test_login_page_asks_for_email_and_password_with_labelled_fields(client):
    response = client.get(LOGIN_URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert '<label class="field__label" for="id_username">Email</label>' in html
    assert '<label class="field__label" for="id_password">Password</label>' in html
    assert re.search(r'<input type="email" name="username" autofocus[^>]* autocomplete="username"', html)
    assert reverse("password_reset") in html


@pytest.mark.parametrize("typed", ["staff@example.com", "STAFF@Example.COM", "Staff@example.com"])
def test_sign_in_with_email_in_any_case_works(client, staff_user, typed):
    response = sign_in(client, typed, PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert signed_in_user_id(client) == str(staff_user.pk)


def test_sign_in_goes_to_the_next_page_asked_for(client, staff_user):
    response = client.post(
        f"{LOGIN_URL}?next=/people/", {"username": staff_user.email, "password": PASSWORD, "next": "/people/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/people/"


def test_wrong_password_shows_an_error_on_the_sign_in_page(client, staff_user):
    response = sign_in(client, staff_user.email, "not-the-password")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="form-errors" role="alert"' in html
    assert "That email and password do not match an account." in html
    assert signed_in_user_id(client) is None


@pytest.mark.django_db
def test_empty_sign_in_form_marks_both_fields_invalid(client):
    response = sign_in(client, "", "")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('aria-invalid="true"') == 2
    assert 'aria-describedby="id_username_error"' in html
    assert 'id="id_username_error"' in html


def test_inactive_user_cannot_sign_in(client, staff_user):
    staff_user.is_active = False
    staff_user.save()

    response = sign_in(client, staff_user.email, PASSWORD)

    assert response.status_code == 200
    assert signed_in_user_id(client) is None


def lock_out(client, username: str) -> None:
    for attempt in range(5):
        response = sign_in(client, username, f"wrong-{attempt}")
    assert response.status_code == 429


def test_five_failed_sign_ins_lock_out_even_the_right_password(client, staff_user):
    lock_out(client, staff_user.email)

    response = sign_in(client, staff_user.email, PASSWORD)

    html = response.content.decode()
    assert response.status_code == 429
    assert "Too many failed sign-ins; try again in 15 minutes." in html
    assert signed_in_user_id(client) is None


def test_four_failed_sign_ins_do_not_lock_out(client, staff_user):
    for attempt in range(4):
        assert sign_in(client, staff_user.email, f"wrong-{attempt}").status_code == 200

    response = sign_in(client, staff_user.email, PASSWORD)

    assert response.status_code == 302
    assert signed_in_user_id(client) == str(staff_user.pk)


def test_failed_sign_ins_count_together_whatever_the_case_of_the_email(client, staff_user):
    for attempt, spelling in enumerate(["staff@example.com", "STAFF@example.com", "Staff@Example.com"] * 2):
        response = sign_in(client, spelling, f"wrong-{attempt}")
        if response.status_code == 429:
            break

    assert response.status_code == 429
    assert sign_in(client, "staff@example.com", PASSWORD).status_code == 429
    assert AccessAttempt.objects.filter(username="staff@example.com").count() == 1


def test_a_lockout_of_one_email_leaves_other_users_free(client, staff_user, other_staff_user):
    lock_out(client, staff_user.email)

    response = sign_in(client, other_staff_user.email, PASSWORD)

    assert response.status_code == 302
    assert signed_in_user_id(client) == str(other_staff_user.pk)


def test_the_lockout_expires_after_the_cool_off(client, staff_user):
    lock_out(client, staff_user.email)
    # Move the recorded failures 16 minutes into the past: the 15-minute cool-off has passed.
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))

    response = sign_in(client, staff_user.email, PASSWORD)

    assert response.status_code == 302
    assert signed_in_user_id(client) == str(staff_user.pk)


def test_sign_out_is_a_post_that_ends_the_session(staff_client):
    assert staff_client.get("/accounts/logout/").status_code == 405

    response = staff_client.post("/accounts/logout/")

    assert response.status_code == 302
    assert response["Location"] == LOGIN_URL
    assert signed_in_user_id(staff_client) is None
    assert staff_client.get("/")["Location"] == f"{LOGIN_URL}?next=/"


@pytest.mark.django_db
def test_password_reset_pages_are_open_to_anonymous_users(client):
    for name in ("password_reset", "password_reset_done", "password_reset_complete"):
        assert client.get(reverse(name)).status_code == 200, name


def reset_link(body: str) -> str:
    match = re.search(r"http://testserver(/accounts/reset/\S+/)", body)
    assert match, body
    return match.group(1)


def test_password_reset_sends_one_email_whose_link_sets_a_new_password(client, staff_user, mailoutbox):
    response = client.post(reverse("password_reset"), {"email": "Staff@Example.com"})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == ["staff@example.com"]
    assert email.subject == "Reset your ORCA password"

    # The emailed link swaps its token for a session and redirects to the set-password form.
    confirm = client.get(reset_link(email.body), follow=True)
    assert confirm.status_code == 200
    assert confirm.context["validlink"] is True
    new_password = "a-brand-new-passphrase-42"
    done = client.post(
        confirm.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password}
    )
    assert done.status_code == 302
    assert done["Location"] == reverse("password_reset_complete")

    assert sign_in(client, staff_user.email, PASSWORD).status_code == 200
    assert sign_in(client, staff_user.email, new_password).status_code == 302
    assert signed_in_user_id(client) == str(staff_user.pk)


def test_a_used_reset_link_no_longer_works(client, staff_user, mailoutbox):
    client.post(reverse("password_reset"), {"email": staff_user.email})
    link = reset_link(mailoutbox[0].body)
    confirm = client.get(link, follow=True)
    new_password = "a-brand-new-passphrase-42"
    client.post(confirm.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password})

    again = client.get(link, follow=True)

    assert again.context["validlink"] is False
    assert "This link no longer works" in again.content.decode()


@pytest.mark.django_db
def test_password_reset_for_an_unknown_email_sends_nothing_and_reveals_nothing(client, mailoutbox):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})

    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert mailoutbox == []


def test_signed_in_user_can_change_their_password(staff_client, staff_user):
    new_password = "another-long-passphrase-7"
    response = staff_client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )

    assert response.status_code == 302
    staff_user.refresh_from_db()
    assert staff_user.check_password(new_password)


def test_behind_a_trusted_proxy_throttling_counts_the_clients_address_not_the_proxys(settings, rf):
    from orca.auth import client_ip

    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.2"
    settings.TRUSTED_PROXY_COUNT = 1
    # The address the proxy appended; what the client wrote before it (6.6.6.6) is not believed.
    assert client_ip(request) == "203.0.113.9"
