"""The demo province's plan records (`seed_demo_oversight`): a Quy chế for every other school,
and a training session of the Sở attended by most staff of the first schools, so that the
dashboards show indicators between 0 and 100 %."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from hocbaso.audit.actors import SEED
from hocbaso.org.models import Province, School
from hocbaso.oversight import actions
from hocbaso.oversight.models import SchoolRegulation, TrainingSession
from hocbaso.oversight.staff import staff_pairs

# A minimal one-page PDF: the demo's Quy chế file.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def has_records() -> bool:
    return SchoolRegulation.objects.exists() or TrainingSession.objects.exists()


def seed_oversight(province: Province) -> tuple[int, int]:
    """(Quy chế uploaded, attendances marked)."""
    today = timezone.localdate()
    schools = list(School.objects.filter(commune__province=province).order_by("code"))
    uploaded = 0
    for school in schools[::2]:
        actions.upload_regulation(
            school,
            title=f"Quy chế sử dụng học bạ số của {school.name}",
            adopted_on=min(today, dt.date(today.year, 9, 5)),
            data=DEMO_PDF + school.code.encode(),
            acting_user=SEED,
        )
        uploaded += 1
    session = actions.create_training_session(
        held_on=min(today, dt.date(today.year, 9, 10)),
        topic="Tập huấn triển khai học bạ số cấp tiểu học",
        province=province,
        acting_user=SEED,
    )
    pairs = sorted(staff_pairs([s.pk for s in schools[:2]]))
    marks = {user_id: n % 4 != 3 for n, (_, user_id) in enumerate(pairs)}  # 3 in 4 attended
    actions.mark_attendance(session, marks, acting_user=SEED)
    return uploaded, len(marks)
