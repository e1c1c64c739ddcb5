"""Responses several staff pages give."""

from django.http import HttpResponseRedirect


def see_other(url: str) -> HttpResponseRedirect:
    """303: the browser (and htmx's boosted form) follows with a GET, so a reload posts nothing."""
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response
