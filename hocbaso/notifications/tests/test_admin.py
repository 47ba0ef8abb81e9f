from __future__ import annotations

import pytest
from django.test import Client

from hocbaso.notifications.models import Notification
from hocbaso.notifications.outbox import enqueue
from hocbaso.people.tests.world import World

pytestmark = pytest.mark.django_db


def test_the_delivery_log_in_the_admin_masks_addresses_and_changes_nothing(world: World) -> None:
    row = enqueue(topic="record.issued", channel="sms", address="0912345678", text="Bí mật")
    client = Client()
    client.force_login(world.user("sysadmin"))
    listing = client.get("/quan-tri/notifications/notification/").content.decode()
    detail = client.get(f"/quan-tri/notifications/notification/{row.pk}/change/")
    assert "091****678" in listing
    assert "0912345678" not in listing
    assert detail.status_code == 200
    assert "0912345678" not in detail.content.decode()
    assert "Bí mật" not in detail.content.decode()
    assert client.post(f"/quan-tri/notifications/notification/{row.pk}/delete/").status_code == 403
    assert Notification.objects.count() == 1
