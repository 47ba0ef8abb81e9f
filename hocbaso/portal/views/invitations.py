"""The printable invitation letters of a class (one page per pupil): the homeroom teacher or
the school's management generates new codes, and the letters are shown once, to print.

The codes exist in clear only in this response (stored hashed, `people/guardian_links.py`),
which is therefore never cached. The QR code leads to the linking page, without the code: a
code in a URL would end up in logs and browser histories.
"""

from __future__ import annotations

from typing import Any

import segno
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from hocbaso.org.models import ClassGroup
from hocbaso.people import access
from hocbaso.people.actions.guardian_links import can_issue_invitations, create_class_invitations
from hocbaso.people.errors import ActionError
from hocbaso.people.models import Enrolment


def _class_for(user: Any, class_id: int) -> ClassGroup:
    class_group = access.access_class_for_user(user, class_id)  # 404 when hidden
    if not can_issue_invitations(user, class_group.pk):
        raise PermissionDenied
    return class_group


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def class_letters(request: HttpRequest, pk: int) -> HttpResponse:
    class_group = _class_for(request.user, pk)
    link = request.build_absolute_uri(reverse("portal_link"))
    if request.method == "GET":
        pupils = Enrolment.objects.filter(class_group=class_group, transfer_out_on__isnull=True)
        context = {"class_group": class_group, "pupils": pupils.count(), "link": link}
        return render(request, "portal/invitations.html", context)
    try:
        issued = create_class_invitations(class_group.pk, acting_user=request.user)
    except ActionError as exc:
        context = {"class_group": class_group, "pupils": 0, "link": link, "errors": exc.messages}
        return render(request, "portal/invitations.html", context, status=400)
    qr = mark_safe(segno.make(link, error="m").svg_inline(scale=3))  # noqa: S308 - our own SVG
    context = {"class_group": class_group, "issued": issued, "link": link, "qr": qr}
    return render(request, "portal/letters.html", context)  # never_cache: no-store
