from __future__ import annotations

from django.apps import AppConfig


class InspectionConfig(AppConfig):
    name = "hocbaso.inspection"
    label = "inspection"
