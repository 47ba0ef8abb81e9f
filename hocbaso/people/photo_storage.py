"""Pupil photos: checked, re-encoded to a 3×4 JPEG without metadata, stored by content hash
under PRIVATE_MEDIA_ROOT (never a web root)."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError

from hocbaso.people.errors import ActionError

PHOTO_SIZE = (300, 400)  # 3×4
MAX_SOURCE_PIXELS = 40_000_000
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}


def photo_root() -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT) / "photos"


def photo_path(sha256: str) -> Path:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError("not a SHA-256 hex digest")
    return photo_root() / sha256[:2] / f"{sha256}.jpg"


def normalise_photo(data: bytes) -> tuple[bytes, int, int]:
    """Return JPEG bytes of the photo cropped to 3×4, without EXIF or any other metadata."""
    if len(data) > settings.PHOTO_MAX_UPLOAD_BYTES:
        limit_mb = settings.PHOTO_MAX_UPLOAD_BYTES // (1024 * 1024)
        raise ActionError(f"Ảnh quá lớn: tối đa {limit_mb} MB.")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise ActionError("Ảnh phải là tệp JPEG, PNG hoặc WebP.")
            if probe.width * probe.height > MAX_SOURCE_PIXELS:
                raise ActionError("Ảnh có kích thước điểm ảnh quá lớn.")
            probe.verify()
        with Image.open(io.BytesIO(data)) as source:
            upright = ImageOps.exif_transpose(source)
            img = ImageOps.fit(upright.convert("RGB"), PHOTO_SIZE, Image.Resampling.LANCZOS)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError) as exc:
        raise ActionError("Tệp tải lên không phải là ảnh hợp lệ.") from exc
    # Pillow carries some source metadata over on save (a JPEG comment, since Pillow 9.4):
    # drop all of it, so that nothing of the upload but its pixels is kept.
    img.info.clear()
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=85, optimize=True)  # no exif= argument: no metadata
    return out.getvalue(), img.width, img.height


def store_photo(jpeg: bytes) -> str:
    digest = hashlib.sha256(jpeg).hexdigest()
    path = photo_path(digest)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_bytes(jpeg)
        tmp.replace(path)
    return digest


def read_photo(sha256: str) -> bytes:
    return photo_path(sha256).read_bytes()
