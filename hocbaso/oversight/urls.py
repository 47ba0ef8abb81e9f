"""Routes of the oversight app: dashboards and the plan's records."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from hocbaso.oversight.views import dashboards, records

urlpatterns: list[URLPattern | URLResolver] = [
    path("dieu-hanh/", dashboards.entry, name="oversight_entry"),
    path("so/<int:pk>/dieu-hanh/", dashboards.province_page, name="oversight_province"),
    path("xa/<int:pk>/dieu-hanh/", dashboards.commune_page, name="oversight_commune"),
    path("truong/<int:pk>/dieu-hanh/", dashboards.school_page, name="oversight_school"),
    path("lop/<int:pk>/dieu-hanh/", dashboards.class_page, name="oversight_class"),
    path("truong/<int:pk>/quy-che/", records.regulation_page, name="oversight_regulation"),
    path(
        "truong/<int:pk>/quy-che/<int:reg_id>/tai-ve/",
        records.regulation_file,
        name="oversight_regulation_file",
    ),
    path("so/<int:pk>/tap-huan/", records.province_training, name="oversight_training_province"),
    path("xa/<int:pk>/tap-huan/", records.commune_training, name="oversight_training_commune"),
    path("tap-huan/<int:pk>/", records.training_session, name="oversight_training_session"),
]
