from __future__ import annotations

from django.urls import path

from hocbaso.people.views import (
    accounts,
    assignments,
    home,
    parent_feedback,
    schools,
    students,
    transfers_io,
)
from hocbaso.people.views.reauth import reauthenticate_view

urlpatterns = [
    path("", home.home, name="home"),
    path("dang-nhap/", accounts.LoginView.as_view(), name="login"),
    path("dang-xuat/", accounts.logout_view, name="logout"),
    path("xac-thuc-lai/", reauthenticate_view, name="reauthenticate"),
    path("truong/", schools.school_list, name="school_list"),
    path("truong/<int:pk>/", schools.school_detail, name="school_detail"),
    path("truong/<int:pk>/hoan-thien/", schools.school_completeness, name="school_completeness"),
    path("truong/<int:pk>/phan-cong/", assignments.school_assignments, name="school_assignments"),
    path("truong/<int:pk>/nhap/<str:kind>/", transfers_io.import_file, name="import_file"),
    path("truong/<int:pk>/xuat/<str:kind>.<str:fmt>", transfers_io.export_file, name="export_file"),
    path(
        "truong/<int:pk>/mau/<str:kind>.<str:fmt>",
        transfers_io.import_template,
        name="import_template",
    ),
    path("lop/<int:pk>/", schools.class_detail, name="class_detail"),
    path("lop/<int:pk>/phan-cong/", assignments.class_assignments, name="class_assignments"),
    path("lop/<int:pk>/hoan-thien/", schools.class_completeness, name="class_completeness"),
    path("hoc-sinh/", students.student_list, name="student_list"),
    path("hoc-sinh/<int:pk>/", students.student_detail, name="student_detail"),
    path("hoc-sinh/<int:pk>/sua/", students.student_edit, name="student_edit"),
    path("hoc-sinh/<int:pk>/xac-minh/", students.student_verify, name="student_verify"),
    path("hoc-sinh/<int:pk>/dinh-danh/", students.student_personal_id, name="student_personal_id"),
    path("hoc-sinh/<int:pk>/anh/", students.student_photo, name="student_photo"),
    path(
        "hoc-sinh/<int:pk>/anh/tai-len/", students.student_photo_upload, name="student_photo_upload"
    ),
    # parents' feedback and consent (issue 6)
    path("lop/<int:pk>/phan-anh/", parent_feedback.class_reports, name="class_reports"),
    path("phan-anh/<int:pk>/xu-li/", parent_feedback.decide_report, name="decide_report"),
    path("lop/<int:pk>/dong-y/", parent_feedback.class_consent, name="class_consent"),
    path(
        "hoc-sinh/<int:pk>/dong-y-hoc-sinh/",
        parent_feedback.student_child_consent,
        name="student_child_consent",
    ),
]
