"""E-mail through Django's mail framework (``EMAIL_BACKEND``, ``EMAIL_HOST``…,
``DEFAULT_FROM_EMAIL``). SMTP and connection errors are transient; a refused recipient is not."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMessage

from hocbaso.notifications.backends.base import DeliveryError, OutgoingMessage


def send(message: OutgoingMessage) -> str:
    email = EmailMessage(
        subject=message.subject or "Học bạ số",
        body=message.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.address],
        headers={"X-Hocbaso-Notification": str(message.notification_id)},
    )
    try:
        email.send(fail_silently=False)
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryError(f"Máy chủ thư từ chối địa chỉ nhận: {exc}", transient=False) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"Không gửi được thư: {exc}", transient=True) from exc
    return ""
