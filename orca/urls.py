from django.contrib import admin
from django.contrib.auth.views import LoginView
from django.urls import include, path, reverse_lazy
from django.views.generic import RedirectView

from orca.auth import EmailAuthenticationForm

urlpatterns = [
    # The staff app opens on My day, the page staff start from each morning; LoginRequiredMiddleware
    # sends strangers to sign in.
    path("", RedirectView.as_view(url=reverse_lazy("my_day:day")), name="home"),
    path("admin/", admin.site.urls),
    # Before django.contrib.auth.urls so that "login" is this one: sign-in by email.
    path("accounts/login/", LoginView.as_view(authentication_form=EmailAuthenticationForm), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("web.urls")),
]
