"""Certificate screens: each staff member registers their own signing certificate and says
where its key lives; the principal registers the school's seal. Views parse and call the
actions of `certificates` and `keystore`; every refusal is shown in Vietnamese."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from hocbaso.people import access
from hocbaso.people.errors import ActionError
from hocbaso.people.scope import scope_for
from hocbaso.signing.certificate_status import WARN_DAYS, statuses
from hocbaso.signing.certificates import register_certificate
from hocbaso.signing.keystore import record_external_key, store_server_key
from hocbaso.signing.models import KeyBackend, SigningCertificate
from hocbaso.signing.trust import demo_pki_trusted, trust_roots

MAX_FILE = 64 * 1024


def _read(request: HttpRequest, name: str) -> bytes:
    upload = request.FILES.get(name)
    if upload is None:
        raise ActionError(_("Hãy chọn tệp chứng thư số."))
    if upload.size is None or upload.size > MAX_FILE:
        raise ActionError(_("Tệp quá lớn: chứng thư số chỉ vài KB."))
    return bytes(upload.read())


@transaction.atomic
def _register(request: HttpRequest, *, user_id: int | None, school_id: int | None) -> None:
    """Register the uploaded certificate and record where its key lives, all or nothing."""
    backend = request.POST.get("backend", "")
    if backend == KeyBackend.SERVER_PKCS12:
        from cryptography.hazmat.primitives.serialization import Encoding, pkcs12

        archive = _read(request, "file")
        pin = request.POST.get("pin", "")
        try:
            _key, cert, _others = pkcs12.load_key_and_certificates(archive, pin.encode())
        except ValueError as exc:
            raise ActionError(_("Không mở được tệp PKCS#12 bằng mã PIN đã nhập.")) from exc
        if cert is None:
            raise ActionError(_("Tệp PKCS#12 không có chứng thư số."))
        row = register_certificate(
            cert.public_bytes(Encoding.PEM), acting_user=request.user, user_id=user_id,
            school_id=school_id, trust_roots=trust_roots(),
        )  # fmt: skip
        store_server_key(row.pk, archive, pin, acting_user=request.user)
        return
    if backend not in (KeyBackend.PKCS11, KeyBackend.REMOTE):
        raise ActionError(_("Hãy chọn nơi giữ khóa kí số."))
    row = register_certificate(
        _read(request, "file"), acting_user=request.user, user_id=user_id, school_id=school_id,
        trust_roots=trust_roots(),
    )  # fmt: skip
    record_external_key(
        row.pk, backend=backend, acting_user=request.user,
        token_label=request.POST.get("token_label", ""),
        key_label=request.POST.get("key_label", ""),
        remote_service=request.POST.get("remote_service", ""),
    )  # fmt: skip


def _page(request: HttpRequest, rows: list[SigningCertificate], **context: Any) -> HttpResponse:
    errors: list[str] = context.pop("errors", [])
    return render(
        request,
        "signing/certificates.html",
        {
            "certificates": statuses(rows),
            "errors": errors,
            "warn_days": WARN_DAYS,
            "demo": demo_pki_trusted(),
            "backends": KeyBackend.choices,
            "chosen": request.POST.get("backend", KeyBackend.PKCS11),
            **context,
        },
    )


def _post(request: HttpRequest, *, user_id: int | None, school_id: int | None) -> list[str]:
    try:
        _register(request, user_id=user_id, school_id=school_id)
    except ActionError as exc:
        return exc.messages
    messages.success(request, _("Đã đăng kí chứng thư số."))
    return []


@login_required
@never_cache
def my_certificates(request: HttpRequest) -> HttpResponse:
    """The user's own certificates, with expiry warnings, and the registration form."""
    if not scope_for(request.user).is_staff_member:
        raise PermissionDenied  # parents and accounts without a role sign nothing
    errors: list[str] = []
    if request.method == "POST":
        errors = _post(request, user_id=request.user.pk, school_id=None)
        if not errors:
            return redirect("my_certificates")
    rows = list(
        SigningCertificate.objects.filter(user__pk=request.user.pk or -1).order_by("-registered_at")
    )
    return _page(request, rows, errors=errors, title=_("Chứng thư số của tôi"), school=None)


@login_required
@never_cache
def school_seal(request: HttpRequest, pk: int) -> HttpResponse:
    """The school's seal certificate: its principal registers it; the school's management sees
    it."""
    school = access.access_school_for_user(request.user, pk)
    scope = scope_for(request.user)
    if not scope.reads_whole_school(school):
        raise PermissionDenied
    errors: list[str] = []
    if request.method == "POST":
        if school.pk not in scope.principal_school_ids:
            raise PermissionDenied
        errors = _post(request, user_id=None, school_id=school.pk)
        if not errors:
            return redirect("school_seal", pk=school.pk)
    rows = list(SigningCertificate.objects.filter(school=school).order_by("-registered_at"))
    return _page(
        request, rows, errors=errors, title=_("Chứng thư số con dấu"), school=school,
        can_register=school.pk in scope.principal_school_ids,
    )  # fmt: skip


urlpatterns: list[URLPattern] = [
    path("chung-thu-so/", my_certificates, name="my_certificates"),
    path("truong/<int:pk>/con-dau/", school_seal, name="school_seal"),
]
