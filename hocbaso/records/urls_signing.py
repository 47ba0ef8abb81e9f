"""Staff screens of record issuance: snapshots, batch signing, downloads."""

from __future__ import annotations

from django.urls import URLPattern

from hocbaso.records.views import downloads, signing

urlpatterns: list[URLPattern] = [*signing.urlpatterns, *downloads.urlpatterns]
