"""Placeholder 3×4 portraits for demo pupils: a plain coloured head-and-shoulders with the
initial of the pupil's given name (the name a Vietnamese pupil is called by), drawn with Pillow.

One image per (initial, gender) is rendered and stored by content hash, then shared: 50,000
pupils reuse about forty files instead of writing 50,000.
"""

from __future__ import annotations

import io
import unicodedata

from PIL import Image, ImageDraw, ImageFont

from hocbaso.people.actions.bulk import StoredPhoto
from hocbaso.people.demo.names import given_initial
from hocbaso.people.models import Gender
from hocbaso.people.photo_storage import PHOTO_SIZE, normalise_photo, store_photo

# Pastel backgrounds (blue-ish for boys, warm for girls) and a darker silhouette per background.
_BACKGROUNDS = {
    Gender.MALE: ((198, 222, 241), (205, 233, 214), (221, 214, 243), (240, 232, 200)),
    Gender.FEMALE: ((246, 214, 222), (250, 228, 205), (226, 240, 203), (236, 215, 240)),
}
_FONT_FILES = ("DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf")
FontType = ImageFont.FreeTypeFont | ImageFont.ImageFont


def _font(size: int) -> tuple[FontType, bool]:
    """A font with Vietnamese letters when the system has one; Pillow's own otherwise (its
    built-in font has no Vietnamese glyphs, so the caller folds the letter to ASCII)."""
    for name in _FONT_FILES:
        try:
            return ImageFont.truetype(name, size), True
        except OSError:
            continue
    return ImageFont.load_default(size=size), False


def _ascii_fold(text: str) -> str:
    text = text.replace("Đ", "D").replace("đ", "d")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def render_portrait(letter: str, gender: int, font: FontType, *, vietnamese_font: bool) -> bytes:
    width, height = PHOTO_SIZE
    palette = _BACKGROUNDS[Gender(gender)]
    background = palette[ord(letter[0]) % len(palette)]
    figure = tuple(max(0, c - 70) for c in background)
    img = Image.new("RGB", PHOTO_SIZE, background)
    draw = ImageDraw.Draw(img)
    draw.ellipse((width * 0.1, height * 0.62, width * 0.9, height * 1.25), fill=figure)
    draw.ellipse((width * 0.27, height * 0.16, width * 0.73, height * 0.6), fill=figure)
    text = letter if vietnamese_font else _ascii_fold(letter)
    draw.text((width / 2, height * 0.38), text, font=font, fill=(255, 255, 255), anchor="mm")
    out = io.BytesIO()
    img.save(out, format="PNG", compress_level=1)  # read back at once: speed over size
    return out.getvalue()


class PortraitStore:
    """Renders each distinct portrait once per run and stores it under PRIVATE_MEDIA_ROOT."""

    def __init__(self) -> None:
        self._font, self._vietnamese = _font(120)
        self._stored: dict[tuple[str, int], StoredPhoto] = {}

    def __len__(self) -> int:
        return len(self._stored)

    def photo_for(self, full_name: str, gender: int) -> StoredPhoto:
        key = (given_initial(full_name), gender)
        stored = self._stored.get(key)
        if stored is None:
            png = render_portrait(key[0], gender, self._font, vietnamese_font=self._vietnamese)
            jpeg, width, height = normalise_photo(png)
            stored = StoredPhoto(store_photo(jpeg), width, height)
            self._stored[key] = stored
        return stored
