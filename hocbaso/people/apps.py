from __future__ import annotations

from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "hocbaso.people"
    label = "people"

    def ready(self) -> None:
        from hocbaso.people import deploy_checks  # noqa: F401 - registers the checks
