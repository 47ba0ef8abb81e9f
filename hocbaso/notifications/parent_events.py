"""Messages to parents when something about their child is published: a period's results
released (`period_released`) or a học bạ page issued (`record_issued`).

Each linked parent (a `Guardian` with an account) with an address gets one message per event
(deduplicated per period and class, or per record version), in Vietnamese, without grades or
names: only that results are out and where to read them. The channel follows the parent's
`Preference`; SMS and Zalo are used only with the parent's current consent for that channel
(`people.consent`), otherwise e-mail, otherwise nothing. A parent who opted out of
non-essential messages gets only essential ones.

Callers (assessment/portal's release, records' seal) run these after their commit
(``transaction.on_commit``): a failure here never undoes a release or an issuance.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import translation

from hocbaso.notifications.models import Channel, Notification, Preference
from hocbaso.notifications.outbox import enqueue
from hocbaso.notifications.topics import PERIOD_RELEASED, RECORD_ISSUED, Topic
from hocbaso.org.models import ClassGroup, Period
from hocbaso.people.consent import has_consent
from hocbaso.people.models import Enrolment, Guardian

CONSENT_PURPOSE = {Channel.SMS: "notify_sms", Channel.ZALO: "notify_zalo"}


@dataclass(frozen=True)
class Route:
    channel: str
    address: str


def portal_url() -> str:
    return f"{settings.HOCBASO_PUBLIC_URL}/phu-huynh/"


def route_for(guardian: Guardian, preference: Preference | None, topic: Topic) -> Route | None:
    """Where this parent hears about ``topic`` for this child, or None."""
    user = guardian.user
    if user is None or not user.is_active:
        return None
    if preference is not None and not topic.essential and not preference.non_essential:
        return None
    channel = preference.channel if preference is not None else Channel.EMAIL
    if channel in CONSENT_PURPOSE:
        phone = user.phone or guardian.phone
        consented = has_consent(
            guardian.student, CONSENT_PURPOSE[Channel(channel)], guardian_id=guardian.pk
        )
        if phone and consented:
            return Route(channel, phone)
    if user.email:
        return Route(Channel.EMAIL, user.email)
    return None


def _notify(
    guardians: Iterable[Guardian],
    topic: Topic,
    *,
    key: str,
    subject: str,
    text: str,
    params: dict[str, str],
) -> list[Notification]:
    guardians = list(guardians)
    preferences = {
        p.user_id: p for p in Preference.objects.filter(user_id__in={g.user_id for g in guardians})
    }
    sent: list[Notification] = []
    seen: set[int] = set()
    with transaction.atomic():
        for guardian in guardians:
            if guardian.user_id is None or guardian.user_id in seen:
                continue
            route = route_for(guardian, preferences.get(guardian.user_id), topic)
            if route is None:
                continue
            seen.add(guardian.user_id)
            sent.append(
                enqueue(
                    topic=topic.code,
                    channel=route.channel,
                    address=route.address,
                    subject=subject,
                    text=text,
                    user=guardian.user,
                    dedupe_key=f"{topic.code}:{key}:user:{guardian.user_id}",
                    school_id=guardian.student.school_id,
                    params=params,
                )
            )
    return sent


def _linked_guardians(student_ids: Iterable[int]) -> list[Guardian]:
    return list(
        Guardian.objects.filter(
            student_id__in=list(student_ids), user__isnull=False, unlinked_at__isnull=True
        )
        .select_related("user", "student")
        .order_by("pk")
    )


def period_released(
    *, period_id: int, period_label: str, class_id: int, class_name: str, school_year: str,
    student_ids: Iterable[int],
) -> list[Notification]:  # fmt: skip
    """Results of ``period_label`` (e.g. "Giữa học kì I") released for one class."""
    url = portal_url()
    text = (
        f"Học bạ số: kết quả {period_label} năm học {school_year} của lớp {class_name} đã được "
        f"công bố, xem tại {url}"
    )
    return _notify(
        _linked_guardians(student_ids),
        PERIOD_RELEASED,
        key=f"period:{period_id}:class:{class_id}",
        subject=f"Kết quả {period_label} lớp {class_name} đã được công bố",
        text=text,
        params={"ki": period_label, "lop": class_name, "nam_hoc": school_year, "lien_ket": url},
    )


def record_issued(
    *, student_id: int, record_code: str, version: int, class_name: str, school_year: str
) -> list[Notification]:
    """A học bạ year page (this version) was sealed and issued."""
    url = portal_url()
    text = (
        f"Học bạ số: học bạ năm học {school_year} (lớp {class_name}) của con anh/chị đã được "
        f"nhà trường kí số và phát hành, xem tại {url}"
    )
    return _notify(
        _linked_guardians([student_id]),
        RECORD_ISSUED,
        key=f"record:{record_code}:v{version}",
        subject=f"Học bạ năm học {school_year} đã được phát hành",
        text=text,
        params={"lop": class_name, "nam_hoc": school_year, "lien_ket": url},
    )


def school_period_released(school_id: int, period_id: int) -> list[Notification]:
    """A school released ``period`` (assessment.release.release_period): tell the parents of
    every class of that year, one message per class and parent."""
    period = Period.objects.select_related("school_year").get(pk=period_id)
    with translation.override("vi"):
        label = str(period.get_code_display())
    sent: list[Notification] = []
    classes = ClassGroup.objects.filter(
        school_id=school_id, school_year_id=period.school_year_id
    ).order_by("grade", "name")
    for class_group in classes:
        student_ids = Enrolment.objects.filter(
            class_group=class_group, transfer_out_on__isnull=True
        ).values_list("student_id", flat=True)
        sent += period_released(
            period_id=period.pk, period_label=label, class_id=class_group.pk,
            class_name=class_group.name, school_year=period.school_year.code,
            student_ids=student_ids,
        )  # fmt: skip
    return sent
