"""A parent links their account to a child: with the school's invitation code, or through the
phone number the school recorded (a one-time code sent by SMS through the outbox)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_http_methods

from hocbaso.notifications.outbox import enqueue
from hocbaso.people.actions.guardian_links import redeem_invitation
from hocbaso.people.actions.phone_links import (
    MSG_SENT,
    Sender,
    confirm_phone_link,
    start_phone_link,
)
from hocbaso.people.errors import ActionError
from hocbaso.people.models import Guardian
from hocbaso.portal.views.guard import parent_login_required


@parent_login_required
@never_cache
@gzip_page
@require_http_methods(["GET", "POST"])
def link_with_code(request: HttpRequest) -> HttpResponse:
    errors: list[str] = []
    code = request.GET.get("ma", "")
    relation = ""
    if request.method == "POST":
        code = request.POST.get("code", "")
        relation = request.POST.get("relation", "")
        try:
            guardian = redeem_invitation(code, relation=relation, acting_user=request.user)
        except ActionError as exc:
            errors = exc.messages
        else:
            messages.success(
                request,
                _("Đã liên kết với học sinh %(name)s.") % {"name": guardian.student.full_name},
            )
            return redirect("portal_child", guardian.student_id)
    context = {
        "errors": errors,
        "code": code,
        "relation": relation,
        "relations": Guardian.Relation.choices,
    }
    return render(request, "portal/link.html", context, status=400 if errors else 200)


def _sms(user: Any) -> Sender:
    """The outbox as the people action's sender: one SMS row in the action's transaction."""

    def send(phone: str, text: str) -> None:
        enqueue(topic="guardian.phone_otp", channel="sms", address=phone, text=text, user=user)

    return send


@parent_login_required
@never_cache
@gzip_page
@require_http_methods(["GET", "POST"])
def link_with_phone(request: HttpRequest) -> HttpResponse:
    errors: list[str] = []
    sent = False
    if request.method == "POST":
        try:
            if request.POST.get("action") == "send":
                start_phone_link(acting_user=request.user, send=_sms(request.user))
                sent = True
            else:
                linked = confirm_phone_link(request.POST.get("otp", ""), acting_user=request.user)
                names = ", ".join(g.student.full_name for g in linked)
                messages.success(
                    request, _("Đã liên kết với học sinh %(names)s.") % {"names": names}
                )
                return redirect("portal_home")
        except ActionError as exc:
            errors = exc.messages
            sent = request.POST.get("action") != "send"
    context = {"errors": errors, "sent": sent, "message": _(MSG_SENT) if sent else ""}
    return render(request, "portal/link_phone.html", context, status=400 if errors else 200)
