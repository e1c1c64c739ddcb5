"""Responses several staff pages give."""

from django.http import HttpRequest, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme


def see_other(url: str) -> HttpResponseRedirect:
    """303: the browser (and htmx's boosted form) follows with a GET, so a reload posts nothing."""
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def safe_next(request: HttpRequest) -> str:
    """The form's or link's `next`, when it is a path on this site; "" otherwise (never elsewhere)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed and target.startswith("/") else ""
