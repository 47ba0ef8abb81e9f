"""Parents' sign-in, sign-out, self-registration (mobile number + password) and the reset of a
forgotten password with a code sent by SMS."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_http_methods, require_POST

from hocbaso.notifications.outbox import enqueue
from hocbaso.people.actions import password_reset as reset
from hocbaso.people.actions.accounts import record_failed_login, record_login, record_logout
from hocbaso.people.actions.registration import (
    MSG_SENT,
    confirm_registration,
    resend_registration_code,
    start_registration,
)
from hocbaso.people.errors import ActionError
from hocbaso.people.guardian_links import normalise_phone


class PortalLoginForm(AuthenticationForm):
    def clean(self) -> dict[str, Any]:
        # parents type their phone number as they like (+84…, spaces)
        raw = self.cleaned_data.get("username", "")
        phone = normalise_phone(raw)
        if phone is not None:
            self.cleaned_data["username"] = phone
        return super().clean()


class PortalLoginView(auth_views.LoginView):
    template_name = "portal/login.html"
    form_class = PortalLoginForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        return reverse("portal_home")

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        record_login(form.get_user())
        return response

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        username = self.request.POST.get("username", "")
        if username:
            record_failed_login(username)
        return super().form_invalid(form)


portal_login = gzip_page(PortalLoginView.as_view())


@require_POST
def portal_logout(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
    """Sign out; the browser is told to drop the portal's caches and storage too."""
    if request.user.is_authenticated:
        record_logout(request.user)
    logout(request)
    response = render(request, "portal/logged_out.html")
    response["Clear-Site-Data"] = '"cache", "storage"'
    response["Cache-Control"] = "no-store"
    return response


REGISTRATION = "hocbaso_registration"


def _sms(phone: str, text: str) -> None:
    """The outbox as the registration action's sender: one SMS row in its transaction."""
    enqueue(topic="guardian.registration", channel="sms", address=phone, text=text)


@never_cache
@gzip_page
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    """The form; then, whether or not the number has an account, the same redirect to the
    code page (people/actions/registration.py)."""
    if request.user.is_authenticated:
        return redirect("portal_home")
    errors: dict[str, list[str]] = {}
    values = {"phone": "", "full_name": ""}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in values}
        try:
            challenge = start_registration(
                phone=values["phone"],
                full_name=values["full_name"],
                password=request.POST.get("password", ""),
                send=_sms,
                acting_user=request.user,
            )
        except ActionError as exc:
            errors = exc.field_errors or {"__all__": exc.messages}
        else:
            request.session[REGISTRATION] = challenge.pk
            return redirect("portal_register_confirm")
    return render(request, "portal/register.html", {"errors": errors, "values": values})


@never_cache
@gzip_page
@require_http_methods(["GET", "POST"])
def register_confirm(request: HttpRequest) -> HttpResponse:
    """Type the code sent by SMS (or have it sent again); the account exists from here."""
    if request.user.is_authenticated:
        return redirect("portal_home")
    challenge_id = request.session.get(REGISTRATION)
    if not isinstance(challenge_id, int):
        return redirect("portal_register")
    errors: list[str] = []
    if request.method == "POST":
        try:
            if request.POST.get("action") == "resend":
                challenge = resend_registration_code(
                    challenge_id, send=_sms, acting_user=request.user
                )
                request.session[REGISTRATION] = challenge.pk
            else:
                user = confirm_registration(challenge_id, request.POST.get("code", ""))
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                request.session.pop(REGISTRATION, None)
                record_login(user)
                messages.success(
                    request, _("Đã tạo tài khoản. Hãy nhập mã mời để liên kết với con.")
                )
                return redirect("portal_link")
        except ActionError as exc:
            errors = exc.messages
    context = {"errors": errors, "message": _(MSG_SENT)}
    return render(request, "portal/register_confirm.html", context, status=400 if errors else 200)


RESET_SESSION_KEY = "hocbaso_password_reset"


def _reset_sms(phone: str, text: str) -> None:
    """The outbox as the password reset's sender: one SMS row in its transaction."""
    enqueue(topic="account.password_reset", channel="sms", address=phone, text=text)


@never_cache
@gzip_page
@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    """«Quên mật khẩu?»: the phone number; then, whatever the number is (no account, a staff
    account, a parent's account), the same redirect to the code page
    (people/actions/password_reset.py)."""
    if request.user.is_authenticated:
        return redirect("portal_home")
    errors: dict[str, list[str]] = {}
    phone = ""
    if request.method == "POST":
        phone = request.POST.get("phone", "")
        try:
            challenge = reset.start_password_reset(
                phone=phone, send=_reset_sms, acting_user=request.user
            )
        except ActionError as exc:
            errors = exc.field_errors or {"__all__": exc.messages}
        else:
            request.session[RESET_SESSION_KEY] = challenge.pk
            return redirect("portal_password_reset_confirm")
    context = {"errors": errors, "phone": phone}
    return render(request, "portal/password_reset.html", context, status=400 if errors else 200)


@never_cache
@gzip_page
@require_http_methods(["GET", "POST"])
def password_reset_confirm(request: HttpRequest) -> HttpResponse:
    """The code sent by SMS and the new password twice (or the code sent again); then every
    session of the account has ended and the parent signs in with the new password."""
    if request.user.is_authenticated:
        return redirect("portal_home")
    challenge_id = request.session.get(RESET_SESSION_KEY)
    if not isinstance(challenge_id, int):
        return redirect("portal_password_reset")
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            if request.POST.get("action") == "resend":
                challenge = reset.resend_password_reset_code(
                    challenge_id, send=_reset_sms, acting_user=request.user
                )
                request.session[RESET_SESSION_KEY] = challenge.pk
            else:
                reset.reset_password_with_code(
                    challenge_id,
                    request.POST.get("code", ""),
                    password1=request.POST.get("password1", ""),
                    password2=request.POST.get("password2", ""),
                )
                request.session.pop(RESET_SESSION_KEY, None)
                messages.success(
                    request, _("Đã đặt lại mật khẩu. Hãy đăng nhập bằng mật khẩu mới.")
                )
                return redirect("portal_login")
        except ActionError as exc:
            errors = exc.field_errors or {"__all__": exc.messages}
    context = {"errors": errors, "message": _(reset.MSG_SENT)}
    return render(
        request, "portal/password_reset_confirm.html", context, status=400 if errors else 200
    )
