"""The demo's review story, so that `make run` shows the control layer at work: the group head
flags a value of class 4A's latest past period (locked by its deadline), the homeroom teacher
answers and files a correction with a generated biên bản; the principal finds it pending.
Written through the same actions as in production, by the demo accounts themselves."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from hocbaso.assessment.actions.corrections import file_correction
from hocbaso.assessment.actions.locks import lock_state
from hocbaso.assessment.actions.review import answer_flag, raise_flag
from hocbaso.assessment.cell_writes import CellInput
from hocbaso.assessment.models import Entry
from hocbaso.assessment.sheets import sheet_columns
from hocbaso.org.models import ClassGroup, Period, School
from hocbaso.people.models import TeachingAssignment, User
from hocbaso.signing.keystore import current_certificate


def _first_lower(text: str) -> str:
    """'Giữa học kì I' → 'giữa học kì I' (the roman numeral keeps its case)."""
    return text[:1].lower() + text[1:]


def seed_review_scenario(
    school: School, *, head_username: str = "totruong", teacher_username: str = "gvcn4a"
) -> str:
    """Returns a one-line Vietnamese summary, or why the story was not written."""
    users = {
        u.username: u for u in User.objects.filter(username__in=[head_username, teacher_username])
    }
    if len(users) < 2:
        return "Không có tài khoản tổ trưởng hoặc giáo viên chủ nhiệm 4A mẫu: bỏ qua phần rà soát."
    teacher, head = users[teacher_username], users[head_username]
    assignment = (
        TeachingAssignment.objects.active()
        .filter(user=teacher, class_group__school=school, class_group__grade=4)
        .select_related("class_group")
        .order_by("subject_code")
        .first()
    )
    if assignment is None:
        return "Giáo viên chủ nhiệm 4A không dạy môn nào: bỏ qua phần rà soát."
    class_group: ClassGroup = assignment.class_group
    key = (
        "toan"
        if TeachingAssignment.objects.active()
        .filter(user=teacher, class_group=class_group, subject_code="toan")
        .exists()
        else assignment.subject_code
    )
    period = (
        Period.objects.filter(school_year=class_group.school_year)
        .filter(entry_deadline__lt=timezone.localdate())
        .order_by("-order")
        .first()
    )
    if period is None or not lock_state((class_group, period, key)).locked:
        return "Chưa có kì đánh giá nào đã khóa sổ: bỏ qua phần rà soát."
    column = sheet_columns(key, class_group.grade, period.code)[0]
    entry = (
        Entry.objects.current()
        .filter(sheet__class_group=class_group, sheet__period=period, code=column.code)
        .select_related("student")
        .order_by("student__full_name")
        .first()
    )
    if entry is None:
        return "Không có kết quả mẫu phù hợp: bỏ qua phần rà soát."
    name = entry.student.full_name
    level, tested_score = ("H", 7) if entry.level == "T" else ("T", 9)
    score = tested_score if column.tested else None
    flag = raise_flag(
        class_group.pk,
        period.code,
        key,
        student_id=entry.student_id,
        code=column.code,
        text=f"Kết quả {column.label} của em {name} chưa khớp với bài kiểm tra đã chấm; "
        "đề nghị thầy/cô xem lại.",
        acting_user=head,
    )
    answer_flag(
        flag.pk,
        text="Tôi đã kiểm tra lại bài làm: ghi nhầm khi nhập sổ. Tôi lập đề nghị sửa kèm biên bản.",
        acting_user=teacher,
    )
    period_name = _first_lower(str(period.get_code_display()))
    request = file_correction(
        class_group.pk,
        period.code,
        key,
        [CellInput(entry.student_id, column.code, level, score, entry.comment)],
        reason=f"Ghi nhầm kết quả {column.label} của em {name} khi nhập sổ "
        f"{period_name}; đã đối chiếu với bài kiểm tra và sổ theo dõi của giáo viên.",
        acting_user=teacher,
        # the demo teacher signs the biên bản with the DEMO key when seed_demo_signing ran
        pin=settings.SIGNING_DEMO_PIN if current_certificate(user=teacher) else "",
    )
    return (
        f"Rà soát mẫu: tổ trưởng gắn cờ một ô của lớp {class_group.name}, giáo viên lập đề nghị "
        f"sửa số {request.number} chờ Hiệu trưởng duyệt."
    )
