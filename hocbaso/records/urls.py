"""Public verification of issued records (anyone, no login), and the transfer screens."""

from __future__ import annotations

from django.urls import include, path

from hocbaso.records.views.verification import urlpatterns as verification_urlpatterns

urlpatterns = [
    *verification_urlpatterns,
    path("", include("hocbaso.records.urls_transfer")),
]
