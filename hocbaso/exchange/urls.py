"""Routes of the exchange app (screens for school management and the Sở)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from hocbaso.exchange import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("truong/<int:pk>/trao-doi/", views.school_page, name="exchange_school"),
    path(
        "truong/<int:pk>/trao-doi/<str:year>/<str:kind>.<str:fmt>",
        views.school_file,
        name="exchange_school_file",
    ),
    path("so/<int:pk>/trao-doi/", views.province_page, name="exchange_province"),
    path(
        "so/<int:pk>/trao-doi/<str:year>/<str:kind>.<str:fmt>",
        views.province_file,
        name="exchange_province_file",
    ),
    path("so/<int:pk>/trao-doi/gui/<str:target>/", views.queue, name="exchange_queue"),
    path("so/<int:pk>/trao-doi/luot-gui/<int:job_id>/", views.job_page, name="exchange_job"),
    path(
        "so/<int:pk>/trao-doi/luot-gui/<int:job_id>/gui-lai/",
        views.requeue,
        name="exchange_requeue",
    ),
]
