"""Routes of the parents' portal."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("hocbaso.portal.profile_urls")),
]
