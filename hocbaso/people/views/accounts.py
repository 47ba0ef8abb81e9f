from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.hashers import make_password
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from hocbaso.people import login_throttle
from hocbaso.people.actions.accounts import record_failed_login, record_login, record_logout
from hocbaso.people.second_factor import forget, next_step


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR, already the client's behind trusted proxies (config/client_address.py)."""
    return str(request.META.get("REMOTE_ADDR") or "")


class LoginView(auth_views.LoginView):
    """The password step. Brute-force limits (people/login_throttle.py) are checked before the
    password; a locked attempt gets the same message as a wrong password (it reveals neither
    the lock nor whether the username exists) and costs the same password hashing. After the
    password, a user with a second factor (or who must enrol one) goes to that step."""

    template_name = "people/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        username = request.POST.get("username", "")
        decision = login_throttle.check_allowed(username, client_ip(request))
        if not decision.allowed:
            make_password(request.POST.get("password", ""))  # the time a password check takes
            record_failed_login(username)
            form = self.get_form_class()(request, initial={"username": username})
            return self.render_to_response(
                self.get_context_data(form=form, refused=True), status=200
            )
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        user = form.get_user()
        login_throttle.record_success(user.get_username(), client_ip(self.request))
        record_login(user)
        forget(self.request.session)
        step = next_step(user, self.request.session)
        if step is None:
            return response
        target = reverse("second_factor_verify" if step == "verify" else "second_factor_enrol")
        return HttpResponseRedirect(f"{target}?{urlencode({'next': self.get_success_url()})}")

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        username = self.request.POST.get("username", "")
        if username:
            login_throttle.record_failure(username, client_ip(self.request))
            record_failed_login(username)
        return super().form_invalid(form)


@require_POST
def logout_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
    user = request.user
    if user.is_authenticated:
        record_logout(user)
    return auth_views.LogoutView.as_view()(request, *args, **kwargs)
