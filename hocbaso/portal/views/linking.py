"""A parent links their account to a child with the school's invitation code."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_http_methods

from hocbaso.people.actions.guardian_links import redeem_invitation
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
