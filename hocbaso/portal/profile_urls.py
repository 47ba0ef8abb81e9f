"""Parents' routes for confirming a child's profile, reporting errors and managing consent."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from hocbaso.portal.views import consent, profile

urlpatterns: list[URLPattern | URLResolver] = [
    path("phu-huynh/con/<int:student_id>/ho-so/", profile.child_profile,
         name="portal_child_profile"),
    path("phu-huynh/con/<int:student_id>/ho-so/xac-nhan/", profile.confirm_field,
         name="portal_confirm_field"),
    path("phu-huynh/con/<int:student_id>/ho-so/phan-anh/", profile.report_error,
         name="portal_report_error"),
    path("phu-huynh/con/<int:student_id>/dong-y/", consent.child_consent,
         name="portal_child_consent"),
    path("phu-huynh/con/<int:student_id>/dong-y/cho-phep/", consent.consent_give,
         name="portal_consent_give"),
    path("phu-huynh/con/<int:student_id>/dong-y/rut-lai/", consent.consent_withdraw,
         name="portal_consent_withdraw"),
    path("phu-huynh/thong-bao/", consent.notification_preferences,
         name="portal_notification_preferences"),
]  # fmt: skip
