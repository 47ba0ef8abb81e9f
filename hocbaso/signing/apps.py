from __future__ import annotations

from django.apps import AppConfig


class SigningConfig(AppConfig):
    name = "hocbaso.signing"
    label = "signing"
    verbose_name = "Kí số"
