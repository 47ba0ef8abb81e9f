"""People: accounts and roles, teaching assignments, pupils, guardians, enrolments.

Assignments and roles are never edited: they end (`ended_at`) and a new row starts, so who could
do what on which day stays answerable.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import TypeVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from hocbaso.org.models import ClassGroup, Commune, Province, School


class User(AbstractUser):
    full_name = models.CharField(_("họ và tên"), max_length=200, blank=True)
    phone = models.CharField(_("số điện thoại"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("tài khoản")
        verbose_name_plural = _("tài khoản")

    def __str__(self) -> str:
        return self.full_name or self.username


class Role(models.TextChoices):
    PRINCIPAL = "principal", _("Hiệu trưởng")
    VICE_PRINCIPAL = "vice_principal", _("Phó hiệu trưởng")
    GROUP_HEAD = "group_head", _("Tổ trưởng chuyên môn")
    SCHOOL_ADMIN = "school_admin", _("Quản trị nhà trường")
    # Membership of a school's teaching staff; what a teacher may touch comes only from their
    # teaching and homeroom assignments.
    TEACHER = "teacher", _("Giáo viên")
    COMMUNE_OFFICER = "commune_officer", _("Cán bộ UBND xã/phường")
    PROVINCE_OFFICER = "province_officer", _("Cán bộ Sở GD&ĐT")
    INSPECTOR = "inspector", _("Thanh tra")


SCHOOL_ROLES = {
    Role.PRINCIPAL,
    Role.VICE_PRINCIPAL,
    Role.GROUP_HEAD,
    Role.SCHOOL_ADMIN,
    Role.TEACHER,
}


_M = TypeVar("_M", bound=models.Model)


class ActiveQuerySet(models.QuerySet[_M]):
    def active(self) -> ActiveQuerySet[_M]:
        return self.filter(ended_at__isnull=True)


class StaffRole(models.Model):
    """A role held in one org unit: a school (school roles), a commune, or the province."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="roles")
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices)
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.PROTECT)
    commune = models.ForeignKey(Commune, null=True, blank=True, on_delete=models.PROTECT)
    province = models.ForeignKey(Province, null=True, blank=True, on_delete=models.PROTECT)
    # Group heads supervise some grade levels (e.g. [4, 5]).
    grades = models.JSONField(_("khối phụ trách"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = ActiveQuerySet["StaffRole"].as_manager()

    class Meta:
        verbose_name = _("vai trò")
        verbose_name_plural = _("vai trò")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(school__isnull=False, commune__isnull=True, province__isnull=True)
                    | models.Q(school__isnull=True, commune__isnull=False, province__isnull=True)
                    | models.Q(school__isnull=True, commune__isnull=True, province__isnull=False)
                ),
                name="staff_role_one_scope",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()}"


class TeachingAssignment(models.Model):
    """Teacher × class × subject (the class fixes the school year)."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="teaching_assignments")
    class_group = models.ForeignKey(ClassGroup, on_delete=models.PROTECT, related_name="teaching")
    subject_code = models.CharField(_("môn học"), max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = ActiveQuerySet["TeachingAssignment"].as_manager()

    class Meta:
        verbose_name = _("phân công giảng dạy")
        verbose_name_plural = _("phân công giảng dạy")
        constraints = [
            models.UniqueConstraint(
                fields=["class_group", "subject_code"],
                condition=models.Q(ended_at__isnull=True),
                name="one_active_teacher_per_class_subject",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.class_group} — {self.subject_code}"


class HomeroomAssignment(models.Model):
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="homerooms")
    class_group = models.ForeignKey(ClassGroup, on_delete=models.PROTECT, related_name="homerooms")
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = ActiveQuerySet["HomeroomAssignment"].as_manager()

    class Meta:
        verbose_name = _("phân công chủ nhiệm")
        verbose_name_plural = _("phân công chủ nhiệm")
        constraints = [
            models.UniqueConstraint(
                fields=["class_group"],
                condition=models.Q(ended_at__isnull=True),
                name="one_active_homeroom_per_class",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.class_group}"


class Gender(models.IntegerChoices):
    """QCVN 109:2017/BTTTT codes."""

    MALE = 1, _("Nam")
    FEMALE = 2, _("Nữ")


class Student(models.Model):
    """A pupil and the identity page of the học bạ (spec §6.1)."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="students")
    full_name = models.CharField(_("họ và tên"), max_length=200)
    gender = models.PositiveSmallIntegerField(_("giới tính"), choices=Gender.choices)
    birth_date = models.DateField(_("ngày sinh"))
    ethnicity = models.CharField(_("dân tộc"), max_length=4)
    nationality = models.CharField(_("quốc tịch"), max_length=4, default="VN")
    birth_place = models.CharField(_("nơi sinh"), max_length=300)
    hometown = models.CharField(_("quê quán"), max_length=300)
    current_address = models.CharField(_("nơi ở hiện nay"), max_length=300)
    father_name = models.CharField(_("họ tên cha"), max_length=200)
    mother_name = models.CharField(_("họ tên mẹ"), max_length=200)
    guardian_name = models.CharField(_("người giám hộ"), max_length=200)
    policy_group = models.CharField(_("đối tượng chính sách"), max_length=200)
    # NULL = not yet provided (blocks signing, D11); never "không".
    personal_id = models.CharField(
        _("số định danh cá nhân"), max_length=12, null=True, blank=True, unique=True
    )
    moet_code = models.CharField(
        _("mã học sinh (CSDL ngành)"), max_length=20, null=True, blank=True, unique=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("học sinh")
        verbose_name_plural = _("học sinh")
        ordering = ["full_name", "pk"]

    def __str__(self) -> str:
        return self.full_name


class Guardian(models.Model):
    class Relation(models.TextChoices):
        FATHER = "cha", _("Cha")
        MOTHER = "me", _("Mẹ")
        GUARDIAN = "giam_ho", _("Người giám hộ")

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="guardians")
    relation = models.CharField(_("quan hệ"), max_length=10, choices=Relation.choices)
    full_name = models.CharField(_("họ và tên"), max_length=200)
    phone = models.CharField(_("số điện thoại"), max_length=20, blank=True)
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="guardianships"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # How and when a parent's account was linked (people/guardian_links.py). An unlinked
    # guardian keeps its user for the record; `unlinked_at` ends the access.
    linked_at = models.DateTimeField(_("liên kết tài khoản lúc"), null=True, blank=True)
    link_method = models.CharField(_("cách liên kết"), max_length=12, blank=True)
    unlinked_at = models.DateTimeField(_("hủy liên kết lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("cha mẹ/người giám hộ")
        verbose_name_plural = _("cha mẹ/người giám hộ")

    def __str__(self) -> str:
        return f"{self.full_name} ({self.get_relation_display()})"


class Enrolment(models.Model):
    """A pupil in a class for a school year, with transfer dates."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="enrolments")
    class_group = models.ForeignKey(ClassGroup, on_delete=models.PROTECT, related_name="enrolments")
    register_number = models.CharField(_("số đăng bộ"), max_length=20, blank=True)
    enrolled_on = models.DateField(_("ngày nhập học"))
    transfer_in_on = models.DateField(_("ngày chuyển đến"), null=True, blank=True)
    transfer_in_from = models.CharField(_("chuyển đến từ trường"), max_length=200, blank=True)
    transfer_out_on = models.DateField(_("ngày chuyển đi"), null=True, blank=True)
    transfer_out_to = models.CharField(_("chuyển đến trường"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("xếp lớp")
        verbose_name_plural = _("xếp lớp")
        constraints = [
            # One open enrolment of a pupil per class. A pupil who left (transfer out) and
            # comes back to the same class has a new enrolment; the old one keeps its date.
            models.UniqueConstraint(
                fields=["student", "class_group"],
                condition=models.Q(transfer_out_on__isnull=True),
                name="enrolment_open_unique_per_class",
            )
        ]

    def __str__(self) -> str:
        return f"{self.student} — {self.class_group}"


class VerificationSource(models.TextChoices):
    BIRTH_CERTIFICATE = "birth_certificate", _("Giấy khai sinh")
    PARENT_CONFIRMATION = "parent_confirmation", _("Cha mẹ xác nhận")
    POPULATION_DB = "population_db", _("CSDL quốc gia về dân cư")


class FieldVerification(models.Model):
    """A field checked against a source. It holds the value's hash at the time: if the value
    changes afterwards the verification no longer applies (never edited, only superseded)."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="verifications")
    field = models.CharField(max_length=40)
    value_hash = models.CharField(max_length=64)
    source = models.CharField(_("nguồn"), max_length=30, choices=VerificationSource.choices)
    verified_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    verified_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("xác minh thông tin")
        verbose_name_plural = _("xác minh thông tin")
        indexes = [models.Index(fields=["student", "field"])]

    def __str__(self) -> str:
        return f"{self.student_id}:{self.field} ← {self.source}"

    @staticmethod
    def hash_value(value: object) -> str:
        """A keyed hash (HMAC-SHA-256): the personal ID has a small, structured space, so an
        unkeyed hash of it could be reversed by trying every number."""
        key = settings.FIELD_HASH_KEY.encode()
        return hmac.new(key, str(value).encode(), hashlib.sha256).hexdigest()


class StudentPhoto(models.Model):
    """A 3×4 photo, re-encoded as JPEG without metadata, stored by content hash outside any
    web root and served only through an authorised view."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="photos")
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    voided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("ảnh học sinh")
        verbose_name_plural = _("ảnh học sinh")

    def __str__(self) -> str:
        return f"{self.student_id}:{self.sha256[:12]}"


# -- linking parents' accounts (issue 6, people/guardian_links.py) -------------------------------


class GuardianInvitation(models.Model):
    """A per-pupil invitation code printed by the school for the pupil's parents. Only a keyed
    hash of the code is stored; the code is shown once, in the printed letter. Single use:
    redeeming it links the parent's account; a newer code for the pupil revokes the older."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    code_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(_("hết hạn lúc"))
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("mã mời liên kết")
        verbose_name_plural = _("mã mời liên kết")
        indexes = [models.Index(fields=["student", "used_at", "revoked_at"])]

    def __str__(self) -> str:
        return f"mã mời {self.pk} của học sinh {self.student_id}"


class LinkAttempt(models.Model):
    """One attempt to link an account (a code, or a phone one-time code), kept to refuse brute
    force per account and per IP address."""

    class Method(models.TextChoices):
        CODE = "code", _("Mã mời")
        PHONE = "phone", _("Số điện thoại")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    ip = models.GenericIPAddressField(null=True, blank=True)
    method = models.CharField(max_length=8, choices=Method.choices)
    succeeded = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("lần thử liên kết")
        verbose_name_plural = _("lần thử liên kết")
        indexes = [
            models.Index(fields=["user", "created_at"]),
            models.Index(fields=["ip", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.user_id} {'ok' if self.succeeded else 'fail'}"


class PhoneChallenge(models.Model):
    """A one-time code sent by SMS to prove a phone number before linking through the phone the
    school recorded. Only its keyed hash is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    phone = models.CharField(max_length=20)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("mã xác minh số điện thoại")
        verbose_name_plural = _("mã xác minh số điện thoại")
        indexes = [models.Index(fields=["user", "created_at"])]

    def __str__(self) -> str:
        return f"xác minh {self.phone[-3:]} cho {self.user_id}"


class RegistrationChallenge(models.Model):
    """A one-time code sent by SMS to prove a phone on the portal's anonymous forms
    (people/phone_codes.py): a parent's self-registration waiting for its code
    (people/actions/registration.py), or a forgotten password's reset
    (people/actions/password_reset.py). Written the same way whether or not the phone already
    has an account, so the page cannot tell. Only keyed hashes of the code and the Argon2 hash
    of a registration's chosen password are stored; the password hash is cleared once the
    account exists, and rows are deleted after a day."""

    class Purpose(models.TextChoices):
        REGISTRATION = "registration", _("Đăng kí tài khoản")
        PASSWORD_RESET = "password_reset", _("Đặt lại mật khẩu")

    purpose = models.CharField(max_length=20, choices=Purpose.choices, default=Purpose.REGISTRATION)
    phone = models.CharField(max_length=20)
    full_name = models.CharField(max_length=200)
    password_hash = models.CharField(max_length=256, blank=True)
    code_hash = models.CharField(max_length=64)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("mã xác minh đăng kí")
        verbose_name_plural = _("mã xác minh đăng kí")
        indexes = [
            models.Index(fields=["phone", "created_at"]),
            models.Index(fields=["ip", "created_at"]),
            models.Index(fields=["created_at"]),
        ]

    def __str__(self) -> str:
        return f"đăng kí …{self.phone[-3:]}"


# Parents' feedback and consent live in their own module; imported here so Django finds them.
# The login's protections (issue 7) live in their own module.
from hocbaso.people.auth_models import (  # noqa: E402, F401
    LoginThrottle,
    RecoveryCode,
    TotpDevice,
)
from hocbaso.people.feedback_models import ConsentRecord as ConsentRecord  # noqa: E402
from hocbaso.people.feedback_models import ProfileReport as ProfileReport  # noqa: E402
