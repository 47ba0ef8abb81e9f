"""Pupil photos and the personal ID through the views: metadata stripped, server-chosen names,
hostile files refused, every read logged (security.md B5, E4; ASVS 14.2.6, 14.2.8, 16.3.2)."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import ExifTags, Image
from PIL.JpegImagePlugin import JpegImageFile
from PIL.PngImagePlugin import PngInfo
from pytest_django import Settings

from hocbaso.audit.models import AuditEvent
from hocbaso.people.actions.students import update_student_profile
from hocbaso.people.models import StudentPhoto
from hocbaso.people.tests.world import World

pytestmark = pytest.mark.django_db

PERSONAL_ID_A = "058216001234"  # a boy born 2016, registered in Ninh Thuận
NOT_AN_IMAGE = "Tệp tải lên không phải là ảnh hợp lệ."
JFIF_ONLY = {"jfif", "jfif_version", "jfif_unit", "jfif_density"}


def _jpeg_with_metadata() -> bytes:
    """A phone photo: camera and GPS EXIF tags, XMP, and an HTML comment segment."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Canon"
    exif[ExifTags.Base.Model] = "EOS 5D Mark IV"
    exif[ExifTags.Base.Software] = "SecretPhoneApp 1.0"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (11.0, 33.0, 54.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (108.0, 59.0, 18.0)
    out = io.BytesIO()
    Image.new("RGB", (600, 900), (200, 150, 120)).save(
        out,
        format="JPEG",
        exif=exif,
        xmp=b"<x:xmpmeta xmlns:x='adobe:ns:meta/'>GPSHomeAddress</x:xmpmeta>",
        comment=b"<html><script>alert(document.cookie)</script></html>",
    )
    data = out.getvalue()
    with Image.open(io.BytesIO(data)) as check:  # the sample really carries what it claims
        assert check.getexif()[ExifTags.Base.Make] == "Canon"
        assert check.getexif().get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] == "N"
    return data


def _png_with_text_chunks() -> bytes:
    info = PngInfo()
    info.add_text("Comment", "<script>alert(1)</script>")
    info.add_itxt("Author", "Nguyễn Văn Chụp", lang="vi")
    info.add_text("Location", "SecretGPS 11.56N 108.98E", zip=True)
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Canon"
    out = io.BytesIO()
    Image.new("RGBA", (450, 600), (10, 20, 30, 128)).save(
        out, format="PNG", pnginfo=info, exif=exif
    )
    return out.getvalue()


def _plain(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 400), (1, 2, 3)).save(out, format=fmt)
    return out.getvalue()


def _files(settings: Settings) -> set[Path]:
    root = Path(settings.PRIVATE_MEDIA_ROOT)
    return {p.relative_to(root) for p in root.rglob("*") if p.is_file()}


def _photo_rows(student_id: int) -> list[tuple[object, ...]]:
    return list(
        StudentPhoto.objects.filter(student_id=student_id)
        .order_by("pk")
        .values_list("pk", "sha256", "voided_at")
    )


def _teacher(world: World) -> Client:
    client = Client()
    client.force_login(world.user("homeroom_4a"))
    return client


def _upload(client: Client, student_id: int, name: str, data: bytes, content_type: str) -> str:
    response = client.post(
        f"/hoc-sinh/{student_id}/anh/tai-len/",
        {"photo": SimpleUploadedFile(name, data, content_type=content_type)},
        follow=True,
    )
    assert response.redirect_chain == [(f"/hoc-sinh/{student_id}/", 302)]
    return response.content.decode()


# -- accepted uploads: only the pixels are kept --------------------------------------------------


@pytest.mark.parametrize(
    ("_case", "name", "data", "content_type", "leaks"),
    [
        (
            "JPEG with camera/GPS EXIF, XMP and an HTML comment; traversal in the name",
            "../../../../etc/cron.d/anh.jpg",
            _jpeg_with_metadata(),
            "image/jpeg",
            [b"Exif", b"Canon", b"EOS 5D", b"SecretPhoneApp", b"xmpmeta", b"GPSHome", b"<script"],
        ),
        (
            "PNG with tEXt/iTXt/zTXt chunks and eXIf",
            "anh.png",
            _png_with_text_chunks(),
            "image/png",
            [b"Exif", b"Canon", b"<script", "Chụp".encode(), b"SecretGPS", b"Location"],
        ),
    ],
)
def test_upload_keeps_only_a_300x400_jpeg_named_by_its_hash(
    world: World,
    settings: Settings,
    _case: str,
    name: str,
    data: bytes,
    content_type: str,
    leaks: list[bytes],
) -> None:
    # given pupil A and their seeded photo
    pupil = world.pupil_a.pk
    old_sha = StudentPhoto.objects.get(student_id=pupil).sha256
    files_before = _files(settings)
    events_before = AuditEvent.objects.count()
    # when the homeroom teacher uploads the photo
    body = _upload(_teacher(world), pupil, name, data, content_type)
    # then the page says so and exactly one new file exists, named by its SHA-256
    assert "Đã cập nhật ảnh." in body
    photo = StudentPhoto.objects.get(student_id=pupil, voided_at__isnull=True)
    new_file = Path("photos") / photo.sha256[:2] / f"{photo.sha256}.jpg"
    assert _files(settings) - files_before == {new_file}
    stored = (Path(settings.PRIVATE_MEDIA_ROOT) / new_file).read_bytes()
    assert hashlib.sha256(stored).hexdigest() == photo.sha256
    # and it is a 300×400 JPEG with no metadata at all
    with Image.open(io.BytesIO(stored)) as image:
        assert isinstance(image, JpegImageFile)
        assert (image.size, image.mode) == ((300, 400), "RGB")
        assert dict(image.getexif()) == {}
        assert set(image.info) == JFIF_ONLY
        assert [marker for marker, _ in image.applist] == ["APP0"]
    assert [leak for leak in leaks if leak in stored] == []
    assert (photo.width, photo.height) == (300, 400)
    # and the previous photo is voided, not deleted, and one event records the change
    assert StudentPhoto.objects.get(student_id=pupil, sha256=old_sha).voided_at is not None
    assert AuditEvent.objects.count() == events_before + 1
    event = AuditEvent.objects.get(action="student.photo_set", actor=world.user("homeroom_4a"))
    assert event.data == {"old": {"sha256": [old_sha]}, "new": {"sha256": photo.sha256}}


def test_same_pixels_uploaded_twice_are_stored_once(world: World, settings: Settings) -> None:
    # given
    client = _teacher(world)
    data = _plain("PNG")
    _upload(client, world.pupil_a.pk, "a.png", data, "image/png")
    files_after_first = _files(settings)
    # when
    _upload(client, world.pupil_a.pk, "b.png", data, "image/png")
    # then: same content, same name, no second file
    assert _files(settings) == files_after_first
    assert StudentPhoto.objects.filter(student_id=world.pupil_a.pk).count() == 3


# -- refused uploads: nothing stored, no event ---------------------------------------------------


_JPEG = _plain("JPEG")
_PNG = _plain("PNG")


# Each row: a label, the client's file name, the bytes, the declared type, the message shown.
HOSTILE_UPLOADS: list[tuple[str, str, bytes, str, str]] = [
    (
        "a PDF",
        "anh.pdf",
        b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF",
        "application/pdf",
        NOT_AN_IMAGE,
    ),
    ("plain text named .jpg", "anh.jpg", "Ảnh thẻ".encode(), "image/jpeg", NOT_AN_IMAGE),
    ("a truncated JPEG", "anh.jpg", _JPEG[: len(_JPEG) // 2], "image/jpeg", NOT_AN_IMAGE),
    ("a truncated PNG", "anh.png", _PNG[: len(_PNG) // 2], "image/png", NOT_AN_IMAGE),
    (
        "SVG with a script",
        "anh.svg",
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
        b"<script>alert(document.cookie)</script></svg>",
        "image/svg+xml",
        NOT_AN_IMAGE,
    ),
    (
        "SVG/HTML polyglot named .jpg",
        "anh.jpg",
        b"<!DOCTYPE html><html><body><svg xmlns='http://www.w3.org/2000/svg'>"
        b"<script>fetch('/hoc-sinh/')</script></svg></body></html>",
        "image/jpeg",
        NOT_AN_IMAGE,
    ),
    (
        "GIF header / JavaScript polyglot",
        "anh.gif",
        b"GIF89a/*<svg onload=alert(1)>*/=1;alert(document.domain);",
        "image/gif",
        NOT_AN_IMAGE,
    ),
    (
        "a real GIF",
        "anh.gif",
        _plain("GIF"),
        "image/gif",
        "Ảnh phải là tệp JPEG, PNG hoặc WebP.",
    ),
    (
        "a real BMP",
        "anh.bmp",
        _plain("BMP"),
        "image/bmp",
        "Ảnh phải là tệp JPEG, PNG hoặc WebP.",
    ),
]


def test_hostile_or_broken_upload_is_refused(world: World, settings: Settings) -> None:
    # given
    pupil = world.pupil_a.pk
    client = _teacher(world)
    files_before = _files(settings)
    photos_before = _photo_rows(pupil)
    events_before = AuditEvent.objects.count()
    failures = []
    for case, name, data, content_type, message in HOSTILE_UPLOADS:
        # when
        body = _upload(client, pupil, name, data, content_type)
        # then
        if message not in body or "Đã cập nhật ảnh." in body:
            failures.append(f"{case}: message «{message}» not shown alone")
        if _files(settings) != files_before:
            failures.append(f"{case}: a file was stored")
        if _photo_rows(pupil) != photos_before:
            failures.append(f"{case}: the pupil's photos changed")
        if AuditEvent.objects.count() != events_before:
            failures.append(f"{case}: an audit event was written")
    assert failures == []


def test_oversized_upload_is_refused(world: World, settings: Settings) -> None:
    # given a 1 MB limit and a file one byte over it
    settings.PHOTO_MAX_UPLOAD_BYTES = 1024 * 1024
    data = _PNG + b"\0" * (1024 * 1024 + 1 - len(_PNG))
    pupil = world.pupil_a.pk
    files_before = _files(settings)
    photos_before = _photo_rows(pupil)
    events_before = AuditEvent.objects.count()
    # when
    body = _upload(_teacher(world), pupil, "anh.png", data, "image/png")
    # then
    assert "Ảnh quá lớn: tối đa 1 MB." in body
    assert _files(settings) == files_before
    assert _photo_rows(pupil) == photos_before
    assert AuditEvent.objects.count() == events_before


def test_upload_without_a_file_is_refused(world: World) -> None:
    # given
    events_before = AuditEvent.objects.count()
    # when
    response = _teacher(world).post(f"/hoc-sinh/{world.pupil_a.pk}/anh/tai-len/", {}, follow=True)
    # then
    assert "Chưa chọn tệp ảnh." in response.content.decode()
    assert AuditEvent.objects.count() == events_before


# -- reading a photo ---------------------------------------------------------------------------


def test_photo_is_served_uncached_and_each_view_is_logged(world: World) -> None:
    # given pupil A's seeded photo
    photo = StudentPhoto.objects.get(student_id=world.pupil_a.pk, voided_at__isnull=True)
    events_before = AuditEvent.objects.count()
    # when
    response = _teacher(world).get(f"/hoc-sinh/{world.pupil_a.pk}/anh/")
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in {d.strip() for d in response["Cache-Control"].split(",")}
    assert response["Content-Disposition"] == 'attachment; filename="anh-hoc-sinh.jpg"'
    assert hashlib.sha256(response.content).hexdigest() == photo.sha256
    assert AuditEvent.objects.count() == events_before + 1
    event = AuditEvent.objects.get(action="student.photo_viewed")
    assert (event.actor_id, event.subject_type, event.subject_id, event.data) == (
        world.user("homeroom_4a").pk,
        "people.student",
        str(world.pupil_a.pk),
        {},
    )


def test_pupil_without_photo_answers_404_and_logs_nothing(world: World) -> None:
    # given pupil 5B has no photo
    client = Client()
    client.force_login(world.user("principal"))
    events_before = AuditEvent.objects.count()
    # when
    response = client.get(f"/hoc-sinh/{world.pupil_5b.pk}/anh/")
    # then
    assert response.status_code == 404
    assert AuditEvent.objects.count() == events_before


# -- the personal ID -----------------------------------------------------------------------------


def test_personal_id_is_masked_unless_revealed_by_a_logged_post(world: World) -> None:
    # given pupil A's personal ID, entered through the action
    teacher = world.user("homeroom_4a")
    update_student_profile(world.pupil_a.pk, {"personal_id": PERSONAL_ID_A}, acting_user=teacher)
    client = _teacher(world)
    events_before = AuditEvent.objects.count()
    # when the detail and edit pages are opened
    detail = client.get(f"/hoc-sinh/{world.pupil_a.pk}/").content.decode()
    edit = client.get(f"/hoc-sinh/{world.pupil_a.pk}/sua/").content.decode()
    # then only the last 3 digits show, and nothing is logged
    assert "•••••••••234" in detail
    assert PERSONAL_ID_A not in detail
    assert PERSONAL_ID_A not in edit
    assert AuditEvent.objects.count() == events_before
    # when the teacher asks to see the number
    response = client.post(f"/hoc-sinh/{world.pupil_a.pk}/dinh-danh/")
    # then the page shows it, uncached, and exactly one event records the read
    body = response.content.decode()
    assert response.status_code == 200
    assert f'<strong data-testid="personal-id">{PERSONAL_ID_A}</strong>' in body
    assert "no-store" in {d.strip() for d in response["Cache-Control"].split(",")}
    assert AuditEvent.objects.count() == events_before + 1
    event = AuditEvent.objects.get(action="student.personal_id_viewed")
    assert (event.actor_id, event.subject_id, event.data) == (
        teacher.pk,
        str(world.pupil_a.pk),
        {},
    )
    # and the number itself is in no event (B5)
    audit_text = json.dumps(list(AuditEvent.objects.values()), default=str, ensure_ascii=False)
    assert PERSONAL_ID_A not in audit_text


def test_personal_id_cannot_be_revealed_by_get(world: World) -> None:
    # given
    update_student_profile(
        world.pupil_a.pk, {"personal_id": PERSONAL_ID_A}, acting_user=world.user("homeroom_4a")
    )
    events_before = AuditEvent.objects.count()
    # when
    response = _teacher(world).get(f"/hoc-sinh/{world.pupil_a.pk}/dinh-danh/")
    # then
    assert response.status_code == 405
    assert PERSONAL_ID_A not in response.content.decode()
    assert AuditEvent.objects.count() == events_before


def test_parent_sees_the_masked_number_but_cannot_reveal_it(world: World) -> None:
    # given
    update_student_profile(
        world.pupil_a.pk, {"personal_id": PERSONAL_ID_A}, acting_user=world.user("homeroom_4a")
    )
    parent = Client()
    parent.force_login(world.user("parent_a"))
    events_before = AuditEvent.objects.count()
    # when
    detail = parent.get(f"/hoc-sinh/{world.pupil_a.pk}/").content.decode()
    reveal = parent.post(f"/hoc-sinh/{world.pupil_a.pk}/dinh-danh/")
    # then
    assert "•••••••••234" in detail
    assert "Xem (được ghi nhật kí)" not in detail
    assert reveal.status_code == 403
    assert PERSONAL_ID_A not in detail + reveal.content.decode()
    assert AuditEvent.objects.count() == events_before
