"""Public verification of issued records (anyone, no login)."""

from __future__ import annotations

from hocbaso.records.views.verification import urlpatterns

__all__ = ["urlpatterns"]
