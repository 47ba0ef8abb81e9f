from __future__ import annotations

from django.contrib import admin

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
