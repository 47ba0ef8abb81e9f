"""Routes of the parents' portal (under /phu-huynh/) and the school's invitation letters."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path

from hocbaso.portal.views import accounts, invitations, linking, pages, pwa

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("hocbaso.portal.profile_urls")),
    path("phu-huynh/", pages.home, name="portal_home"),
    path("phu-huynh/dang-nhap/", accounts.portal_login, name="portal_login"),
    path("phu-huynh/dang-xuat/", accounts.portal_logout, name="portal_logout"),
    path("phu-huynh/dang-ki/", accounts.register, name="portal_register"),
    path(
        "phu-huynh/dang-ki/xac-minh/",
        accounts.register_confirm,
        name="portal_register_confirm",
    ),
    path("phu-huynh/quen-mat-khau/", accounts.password_reset, name="portal_password_reset"),
    path(
        "phu-huynh/quen-mat-khau/dat-lai/",
        accounts.password_reset_confirm,
        name="portal_password_reset_confirm",
    ),
    path("phu-huynh/lien-ket/", linking.link_with_code, name="portal_link"),
    path("phu-huynh/lien-ket/so-dien-thoai/", linking.link_with_phone, name="portal_link_phone"),
    path("phu-huynh/con/<int:pk>/", pages.child, name="portal_child"),
    path("phu-huynh/con/<int:pk>/ket-qua/<int:period_id>/", pages.results, name="portal_results"),
    path(
        "phu-huynh/con/<int:pk>/hoc-ba/<int:page_id>.pdf",
        pages.record_pdf,
        name="portal_record_pdf",
    ),
    path(
        "phu-huynh/con/<int:pk>/hoc-ba/chuyen-den/<int:page_id>.pdf",
        pages.imported_pdf,
        name="portal_imported_pdf",
    ),
    path("phu-huynh/manifest.webmanifest", pwa.manifest, name="portal_manifest"),
    path("phu-huynh/sw.js", pwa.service_worker, name="portal_sw"),
    path("phu-huynh/portal.css", pwa.portal_css, name="portal_css"),
    path("phu-huynh/portal.js", pwa.portal_js, name="portal_js"),
    path("phu-huynh/icon-<int:size>.png", pwa.icon, name="portal_icon"),
    path("lop/<int:pk>/thu-moi-phu-huynh/", invitations.class_letters, name="class_invitations"),
]
