"""Django's minimum-length password rule with its message in Vietnamese (settings
AUTH_PASSWORD_VALIDATORS). Django 5.2's message ("This password is too short. It must contain
at least %d characters.") no longer matches the msgid of its Vietnamese catalogue (which still
has ``%(min_length)d``), so a parent registering or resetting a password was told it in English.
Django's other password rules are translated and used as they are. The rule is Django's,
unchanged; only the words are ours (translated back to English in the project's catalogue)."""

from __future__ import annotations

from django.contrib.auth import password_validation as django_rules
from django.utils.translation import gettext as _


class MinimumLengthValidator(django_rules.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return _("Mật khẩu quá ngắn: cần ít nhất %(count)d kí tự.") % {"count": self.min_length}

    def get_help_text(self) -> str:
        return _("Mật khẩu cần ít nhất %(count)d kí tự.") % {"count": self.min_length}
