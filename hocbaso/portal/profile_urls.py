"""Parents' routes for confirming a child's profile, reporting errors and managing consent."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
