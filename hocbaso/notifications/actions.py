"""Writes of the notifications app that a person makes: their own preferences."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from hocbaso.audit.log import log
from hocbaso.notifications.models import Channel, Preference
from hocbaso.people.errors import ActionError


@transaction.atomic
def set_preferences(*, channel: str, non_essential: bool, acting_user: Any) -> Preference:
    if not getattr(acting_user, "is_authenticated", False):
        raise ActionError("Vui lòng đăng nhập.")
    if channel not in Channel.values:
        raise ActionError("Kênh nhận thông báo không hợp lệ.")
    preference = Preference.objects.select_for_update().filter(user=acting_user).first()
    old = (
        {"channel": preference.channel, "non_essential": preference.non_essential}
        if preference
        else None
    )
    new = {"channel": channel, "non_essential": non_essential}
    if old == new:
        raise ActionError("Cách nhận thông báo không thay đổi.")
    if preference is None:
        preference = Preference.objects.create(
            user=acting_user, channel=channel, non_essential=non_essential
        )
    else:
        preference.channel = channel
        preference.non_essential = non_essential
        preference.save(update_fields=["channel", "non_essential", "updated_at"])
    log(
        "notification.preferences_changed",
        actor=acting_user,
        subject=preference,
        data={"old": old, "new": new},
    )
    return preference
