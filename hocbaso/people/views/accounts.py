from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.views.decorators.http import require_POST

from hocbaso.people.actions.accounts import record_failed_login, record_login, record_logout


class LoginView(auth_views.LoginView):
    template_name = "people/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        record_login(form.get_user())
        return response

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        username = self.request.POST.get("username", "")
        if username:
            record_failed_login(username)
        return super().form_invalid(form)


@require_POST
def logout_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
    user = request.user
    if user.is_authenticated:
        record_logout(user)
    return auth_views.LogoutView.as_view()(request, *args, **kwargs)
