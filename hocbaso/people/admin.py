from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from hocbaso.audit.admin import ReadOnlyAdmin
from hocbaso.people.models import (
    Enrolment,
    Guardian,
    HomeroomAssignment,
    StaffRole,
    TeachingAssignment,
    User,
)


@admin.register(User)
class UserAdmin(ReadOnlyAdmin):
    list_display = ("username", "full_name", "is_active", "last_login")
    search_fields = ("username", "full_name")
    exclude = ("password",)


# Pupils' identity data (personal ID, photo) is deliberately not in the admin: it is read only
# through the audited views.
for model in (StaffRole, TeachingAssignment, HomeroomAssignment, Guardian, Enrolment):
    admin.site.register(model, ReadOnlyAdmin)


def _login_through_the_site(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    """The admin has no login form of its own: it would bypass the brute-force limits and the
    second factor. Its login page sends to the site's (which then returns to the admin)."""
    return redirect_to_login(request.GET.get("next") or reverse("admin:index"), reverse("login"))


admin.site.login = _login_through_the_site  # type: ignore[method-assign]
