"""The signed-in user's own settings (users.settings): today, whether the morning summary comes."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from orca.users.services import MORNING_SUMMARY, user_settings_update, wants_morning_summary

from ..account_forms import UserSettingsForm
from ..responses import see_other


@require_http_methods(["GET", "POST"])
def settings_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "GET":
        form = UserSettingsForm(initial={MORNING_SUMMARY: wants_morning_summary(user)})
        return render(request, "account/settings.html", {"form": form})
    form = UserSettingsForm(request.POST)
    if form.is_valid():
        try:
            user_settings_update(user=user, actor=user, changes=form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Your settings are saved.")
            return see_other(reverse("account:settings"))
    return render(request, "account/settings.html", {"form": form}, status=422)


urlpatterns = [path("settings/", settings_view, name="settings")]
