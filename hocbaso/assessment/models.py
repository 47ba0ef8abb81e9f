"""Periodic assessment data: one row per cell value, never edited (void and replace).

A *sheet* is what one teacher fills in one go: a class × period × unit (subject sheets), or a
class × period for the qualities and competencies (the homeroom teacher's sheet). Its version
grows with every save, so that two tabs editing the same sheet cannot overwrite each other
silently.
"""

from __future__ import annotations

from typing import TypeVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hocbaso.org.models import ClassGroup, Period, School
from hocbaso.people.models import Student

QC_SHEET = "pham_chat_nang_luc"  # the qualities-and-competencies sheet of a class


class Sheet(models.Model):
    class_group = models.ForeignKey(ClassGroup, on_delete=models.PROTECT, related_name="sheets")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="sheets")
    key = models.CharField(_("môn học hoặc phẩm chất, năng lực"), max_length=40)
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("sổ nhập đánh giá")
        verbose_name_plural = _("sổ nhập đánh giá")
        constraints = [
            models.UniqueConstraint(fields=["class_group", "period", "key"], name="sheet_unique")
        ]

    def __str__(self) -> str:
        return f"{self.class_group} · {self.period.code} · {self.key}"


class SheetSave(models.Model):
    """One accepted save; its idempotency key makes a retried request apply only once."""

    sheet = models.ForeignKey(Sheet, on_delete=models.PROTECT, related_name="saves")
    idempotency_key = models.CharField(max_length=64, unique=True)
    version = models.PositiveIntegerField()
    changed = models.PositiveIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=10, default="grid")  # grid, xlsx, seed

    class Meta:
        verbose_name = _("lần lưu sổ")
        verbose_name_plural = _("lần lưu sổ")

    def __str__(self) -> str:
        return f"{self.sheet_id} v{self.version}"


_E = TypeVar("_E", bound=models.Model)


class CurrentQuerySet(models.QuerySet[_E]):
    def current(self) -> CurrentQuerySet[_E]:
        return self.filter(voided_at__isnull=True)


class Entry(models.Model):
    class Kind(models.TextChoices):
        SUBJECT = "subject", _("Môn học, hoạt động giáo dục")
        QUALITY = "quality", _("Phẩm chất")
        COMPETENCY = "competency", _("Năng lực")

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="entries")
    # Indexes cost every save (35 rows inserted and 35 voided): the (sheet, voided_at) index
    # below serves lookups by sheet, and nothing looks entries up by who wrote or voided them.
    sheet = models.ForeignKey(
        Sheet, on_delete=models.PROTECT, related_name="entries", db_index=False
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    code = models.CharField(max_length=40)
    level = models.CharField(_("mức đạt được"), max_length=1, blank=True)
    score = models.PositiveSmallIntegerField(_("điểm KTĐK"), null=True, blank=True)
    comment = models.TextField(_("nhận xét"), blank=True)
    sheet_version = models.PositiveIntegerField()
    save_record = models.ForeignKey(
        SheetSave, null=True, on_delete=models.PROTECT, related_name="entries"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    void_reason = models.CharField(max_length=200, blank=True)
    # The row this one replaced: set when the row is written, so a save never edits links.
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by"
    )

    objects = CurrentQuerySet["Entry"].as_manager()

    class Meta:
        verbose_name = _("kết quả đánh giá")
        verbose_name_plural = _("kết quả đánh giá")
        constraints = [
            models.UniqueConstraint(
                fields=["student", "sheet", "code"],
                condition=models.Q(voided_at__isnull=True),
                name="one_current_entry_per_cell",
            )
        ]
        indexes = [models.Index(fields=["sheet", "voided_at"])]

    def __str__(self) -> str:
        return f"{self.student_id}:{self.code}={self.level}/{self.score}"


# Year end (TT27 Arts. 9, 11, 13; D5). The result, its reasons, completion and the automatic
# "Học sinh Xuất sắc" are derived from the current CN entries (assessment/year_end.py) and
# never stored; only what people decide is stored below, void-and-replace like the entries.


class YearEndDecision(models.Model):
    """What a person decided for one pupil in one class-year; voided and replaced, never edited."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    class_group = models.ForeignKey(ClassGroup, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    void_reason = models.CharField(max_length=200, blank=True)
    replaced_by = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaces"
    )

    class Meta:
        abstract = True


class Commendation(YearEndDecision):
    """A proposed commendation (TT27 Art. 13). "Học sinh Xuất sắc" is not stored: D5 makes it
    automatic for HTXS, so it is derived from the CN values like the result itself."""

    class Kind(models.TextChoices):
        TIEU_BIEU = (
            "hoc_sinh_tieu_bieu",
            _("Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn luyện"),
        )
        DOT_XUAT = "dot_xuat", _("Khen thưởng đột xuất")

    kind = models.CharField(_("loại khen thưởng"), max_length=20, choices=Kind.choices)
    # Tiêu biểu only: what the pupil stood out in (a unit) or clearly progressed in.
    basis = models.CharField(_("căn cứ"), max_length=12, choices=Entry.Kind.choices, blank=True)
    basis_code = models.CharField(_("mã môn học, phẩm chất, năng lực"), max_length=40, blank=True)
    text = models.TextField(_("nội dung"))
    class_recognised = models.BooleanField(_("tập thể lớp công nhận"), default=False)
    awarded_on = models.DateField(_("ngày"))

    objects = CurrentQuerySet["Commendation"].as_manager()

    class Meta:
        verbose_name = _("khen thưởng")
        verbose_name_plural = _("khen thưởng")
        constraints = [
            models.UniqueConstraint(
                fields=["student", "class_group"],
                condition=models.Q(voided_at__isnull=True, kind="hoc_sinh_tieu_bieu"),
                name="one_current_tieu_bieu_per_pupil_year",
            )
        ]

    def __str__(self) -> str:
        return f"{self.student_id}: {self.get_kind_display()}"


class SupplementaryAssessment(YearEndDecision):
    """Đánh giá bổ sung of a CHT pupil (TT27 Art. 11 cl. 2): new CN values for the shortfall
    items only, ``{"subjects": {code: {"level", "score"}}, "qualities": {code: level},
    "competencies": {code: level}}``; the CN entries (and the CN result) are kept."""

    values = models.JSONField(_("kết quả đánh giá bổ sung"))
    assessed_on = models.DateField(_("ngày đánh giá bổ sung"))
    note = models.TextField(_("ghi chú"), blank=True)

    objects = CurrentQuerySet["SupplementaryAssessment"].as_manager()

    class Meta:
        verbose_name = _("đánh giá bổ sung")
        verbose_name_plural = _("đánh giá bổ sung")
        constraints = [
            models.UniqueConstraint(
                fields=["student", "class_group"],
                condition=models.Q(voided_at__isnull=True),
                name="one_current_supplementary_per_pupil_year",
            )
        ]

    def __str__(self) -> str:
        return f"{self.student_id}: {self.assessed_on:%d/%m/%Y}"


class PromotionDecision(YearEndDecision):
    """The principal's lên lớp / ở lại lớp for a pupil still CHT after the supplementary
    assessment (TT27 Art. 11 cl. 3)."""

    class Outcome(models.TextChoices):
        PROMOTED = "len_lop", _("Lên lớp")
        RETAINED = "o_lai_lop", _("Ở lại lớp")

    outcome = models.CharField(_("quyết định"), max_length=10, choices=Outcome.choices)
    note = models.TextField(_("ghi chú"), blank=True)
    decided_on = models.DateField(_("ngày quyết định"))

    objects = CurrentQuerySet["PromotionDecision"].as_manager()

    class Meta:
        verbose_name = _("quyết định lên lớp")
        verbose_name_plural = _("quyết định lên lớp")
        constraints = [
            models.UniqueConstraint(
                fields=["student", "class_group"],
                condition=models.Q(voided_at__isnull=True),
                name="one_current_promotion_per_pupil_year",
            )
        ]

    def __str__(self) -> str:
        return f"{self.student_id}: {self.get_outcome_display()}"


class EntryLock(models.Model):
    """The principal's decision to lock ("khóa sổ") or reopen entry for a period at one scope:
    the whole school (no grade, no class), one grade of it, one class, or one sheet (class ×
    key). Never edited: a later row supersedes; `actions.locks.lock_state` resolves them."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+")
    grade = models.PositiveSmallIntegerField(_("khối"), null=True, blank=True)
    class_group = models.ForeignKey(
        ClassGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    key = models.CharField(_("môn học hoặc phẩm chất, năng lực"), max_length=40, blank=True)
    locked = models.BooleanField(_("khóa"))
    reason = models.TextField(_("lí do"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()  # set under the sheet row locks (actions.locks)

    class Meta:
        verbose_name = _("khóa/mở sổ")
        verbose_name_plural = _("khóa/mở sổ")
        indexes = [models.Index(fields=["school", "period", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(key="") | models.Q(class_group__isnull=False),
                name="entry_lock_key_needs_class",
            ),
            models.CheckConstraint(
                condition=models.Q(grade__isnull=True) | models.Q(class_group__isnull=True),
                name="entry_lock_grade_or_class",
            ),
        ]

    def __str__(self) -> str:
        return f"{'khóa' if self.locked else 'mở'} {self.school_id}·{self.period_id}"


# -- review before the lock (issue 4) ------------------------------------------------------------


class ReviewFlag(models.Model):
    """A reviewer's question on a cell (or on a whole sheet when no pupil is given). Group heads
    review the grades they lead, vice-principals and the principal their school. The teacher
    answers; a reviewer resolves. Messages are kept (`FlagMessage`), never edited."""

    class Status(models.TextChoices):
        OPEN = "open", _("Chờ giáo viên trả lời")
        ANSWERED = "answered", _("Giáo viên đã trả lời")
        RESOLVED = "resolved", _("Đã xử lí")

    sheet = models.ForeignKey(Sheet, on_delete=models.PROTECT, related_name="flags")
    student = models.ForeignKey(
        Student, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    code = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("cờ rà soát")
        verbose_name_plural = _("cờ rà soát")
        indexes = [models.Index(fields=["sheet", "status"])]

    def __str__(self) -> str:
        return f"Cờ rà soát số {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.RESOLVED


class FlagMessage(models.Model):
    class Kind(models.TextChoices):
        RAISED = "raised", _("Gắn cờ")
        ANSWER = "answer", _("Trả lời")
        RESOLVED = "resolved", _("Đóng cờ")
        REOPENED = "reopened", _("Mở lại cờ")

    flag = models.ForeignKey(ReviewFlag, on_delete=models.PROTECT, related_name="messages")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("trao đổi rà soát")
        verbose_name_plural = _("trao đổi rà soát")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.flag_id}: {self.kind}"


# -- corrections after the lock (issue 4) --------------------------------------------------------


class CorrectionRequest(models.Model):
    """A teacher's request to change cells of a locked sheet, with a biên bản. The principal
    approves (the cells are applied at once, in one transaction, as a `SheetSave` with source
    "correction") or rejects (nothing changes). Never edited after the decision."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Chờ Hiệu trưởng duyệt")
        APPROVED = "approved", _("Đã duyệt, đã sửa")
        REJECTED = "rejected", _("Bị từ chối")
        WITHDRAWN = "withdrawn", _("Đã rút")

    sheet = models.ForeignKey(Sheet, on_delete=models.PROTECT, related_name="corrections")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("lí do"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("ý kiến của Hiệu trưởng"), blank=True)
    applied_save = models.OneToOneField(
        SheetSave, null=True, blank=True, on_delete=models.PROTECT, related_name="correction"
    )

    class Meta:
        verbose_name = _("đề nghị sửa sau khóa sổ")
        verbose_name_plural = _("đề nghị sửa sau khóa sổ")
        indexes = [models.Index(fields=["school", "status"])]

    def __str__(self) -> str:
        return f"Đề nghị sửa số {self.number}"

    @property
    def number(self) -> str:
        """The biên bản's number as printed: <id>/<year>/BB-ĐC."""
        return f"{self.pk:05d}/{self.requested_at:%Y}/BB-ĐC"


class CorrectionCell(models.Model):
    """One cell of a request: the value seen when filing (and the row holding it) → the new one."""

    request = models.ForeignKey(CorrectionRequest, on_delete=models.PROTECT, related_name="cells")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=40)
    kind = models.CharField(max_length=12, choices=Entry.Kind.choices)
    old_entry = models.ForeignKey(
        Entry, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    old_level = models.CharField(max_length=1, blank=True)
    old_score = models.PositiveSmallIntegerField(null=True, blank=True)
    old_comment = models.TextField(blank=True)
    new_level = models.CharField(max_length=1, blank=True)
    new_score = models.PositiveSmallIntegerField(null=True, blank=True)
    new_comment = models.TextField(blank=True)
    # None while pending; the principal may approve a subset of the cells.
    approved = models.BooleanField(null=True, blank=True)
    applied_entry = models.OneToOneField(
        Entry, null=True, blank=True, on_delete=models.PROTECT, related_name="correction_cell"
    )

    class Meta:
        verbose_name = _("ô đề nghị sửa")
        verbose_name_plural = _("ô đề nghị sửa")
        constraints = [
            models.UniqueConstraint(
                fields=["request", "student", "code"], name="correction_cell_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.student_id}:{self.code}"


class BienBan(models.Model):
    """The written record of a correction: generated by the system from the request (a PDF with
    two signature fields, digitally signed by the requester at filing and countersigned by the
    principal at approval — each signature a new row, `signs` pointing at the row it signs) or
    a signed paper record uploaded as PDF or image (validated, stored by hash under
    PRIVATE_MEDIA_ROOT). The latest one of a request counts; approval needs it signed."""

    class Source(models.TextChoices):
        GENERATED = "generated", _("Lập trên hệ thống")
        UPLOADED = "uploaded", _("Tải lên bản đã kí")

    class Signing(models.TextChoices):
        UNSIGNED = "unsigned", _("Chưa kí số")
        REQUESTER = "requester", _("Người đề nghị đã kí số")
        COMPLETE = "complete", _("Người đề nghị và Hiệu trưởng đã kí số")
        PAPER = "paper", _("Bản giấy đã kí (tải lên)")

    request = models.ForeignKey(
        CorrectionRequest, on_delete=models.PROTECT, related_name="bien_bans"
    )
    source = models.CharField(max_length=10, choices=Source.choices)
    sha256 = models.CharField(max_length=64)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    original_name = models.CharField(max_length=200, blank=True)
    signing = models.CharField(
        _("chữ kí"), max_length=10, choices=Signing.choices, default=Signing.UNSIGNED
    )
    # A signed generated biên bản is a new row holding the signed PDF; it names the row whose
    # PDF it signs (the unsigned or requester-signed one), which stays as it was.
    signs = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="signed_as"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("biên bản")
        verbose_name_plural = _("biên bản")
        ordering = ["request", "created_at", "pk"]

    def __str__(self) -> str:
        return f"biên bản {self.pk} ({self.source})"


# -- release of a period's results to parents (issue 6) ------------------------------------------


class PeriodRelease(models.Model):
    """The school's decision to show a period's results to parents (assessment/release.py).
    Withdrawn by voiding, never deleted; a later release is a new row."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+")
    released_at = models.DateTimeField(_("công bố lúc"))
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    void_reason = models.CharField(_("lí do thu hồi"), max_length=300, blank=True)

    objects = CurrentQuerySet["PeriodRelease"].as_manager()

    class Meta:
        verbose_name = _("công bố kết quả kì đánh giá")
        verbose_name_plural = _("công bố kết quả kì đánh giá")
        constraints = [
            models.UniqueConstraint(
                fields=["school", "period"],
                condition=models.Q(voided_at__isnull=True),
                name="one_current_release_per_school_period",
            )
        ]

    def __str__(self) -> str:
        return f"công bố {self.school_id}·{self.period_id}"
