"""Staff screens of transfers between schools (records/transfer, docs/transfers.md)."""

from __future__ import annotations

from django.urls import URLPattern, path

from hocbaso.records.transfer import views

urlpatterns: list[URLPattern] = [
    path("hoc-sinh/<int:pk>/chuyen-truong/", views.student_transfers, name="student_transfers"),
    path(
        "hoc-sinh/<int:pk>/chuyen-truong/tao-ho-so/",
        views.student_transfer_out,
        name="student_transfer_out",
    ),
    path(
        "chuyen-truong/ho-so/<int:pk>/tai-ve.zip",
        views.transfer_package_file,
        name="transfer_package_file",
    ),
    path(
        "hoc-ba/chuyen-den/<int:pk>/tai-ve.pdf",
        views.imported_page_file,
        name="imported_page_file",
    ),
    path(
        "truong/<int:pk>/tiep-nhan-chuyen-den/",
        views.school_transfer_in,
        name="school_transfer_in",
    ),
]
