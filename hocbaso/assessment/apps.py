from __future__ import annotations

from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "hocbaso.assessment"
    label = "assessment"
