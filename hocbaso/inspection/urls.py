"""Inspection routes: the audit trail (school, province), its exports, a pupil's history."""

from __future__ import annotations

from hocbaso.inspection.views import urlpatterns

__all__ = ["urlpatterns"]
