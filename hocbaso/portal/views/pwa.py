"""The installable app's files: style, script, service worker, web manifest and icons.

Served by views (not collectstatic) so the service worker's scope is ``/phu-huynh/`` and the
files work the same under runserver and gunicorn. The icons are drawn with Pillow once per
process (no binary committed).
"""

from __future__ import annotations

import hashlib
import io
import json
from functools import cache
from pathlib import Path

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET
from PIL import Image, ImageDraw

ASSETS = Path(__file__).resolve().parent.parent / "assets"
ICON_SIZES = (192, 512)
WEEK = 7 * 24 * 3600


@cache
def _asset(name: str) -> bytes:
    return (ASSETS / name).read_bytes()


@cache
def asset_version() -> str:
    digest = hashlib.sha256()
    for name in ("portal.css", "portal.js", "sw.js"):
        digest.update(_asset(name))
    return digest.hexdigest()[:12]


def _static(data: bytes, content_type: str, *, max_age: int = WEEK) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Cache-Control"] = f"public, max-age={max_age}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
@gzip_page
def portal_css(request: HttpRequest) -> HttpResponse:
    return _static(_asset("portal.css"), "text/css; charset=utf-8", max_age=3600)


@require_GET
@gzip_page
def portal_js(request: HttpRequest) -> HttpResponse:
    return _static(_asset("portal.js"), "text/javascript; charset=utf-8", max_age=3600)


@require_GET
@gzip_page
def service_worker(request: HttpRequest) -> HttpResponse:
    body = _asset("sw.js").replace(b"__VERSION__", asset_version().encode())
    response = _static(body, "text/javascript; charset=utf-8", max_age=0)
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/phu-huynh/"
    return response


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    data = {
        "name": _("Học bạ số — Cha mẹ học sinh"),
        "short_name": _("Học bạ số"),
        "lang": "vi",
        "start_url": reverse("portal_home"),
        "scope": "/phu-huynh/",
        "display": "standalone",
        "background_color": "#f4f6f8",
        "theme_color": "#0b5394",
        "icons": [
            {
                "src": reverse("portal_icon", args=[size]),
                "sizes": f"{size}x{size}",
                "type": "image/png",
                "purpose": "any maskable",
            }
            for size in ICON_SIZES
        ],
    }
    body = json.dumps(data, ensure_ascii=False).encode()
    return _static(body, "application/manifest+json; charset=utf-8", max_age=3600)


@cache
def icon_png(size: int) -> bytes:
    """A blue square with a white open book: the app's icon, drawn at ``size`` pixels."""
    image = Image.new("RGB", (size, size), (11, 83, 148))
    draw = ImageDraw.Draw(image)
    s = size / 192
    left = [(40 * s, 56 * s), (94 * s, 66 * s), (94 * s, 146 * s), (40 * s, 136 * s)]
    right = [(98 * s, 66 * s), (152 * s, 56 * s), (152 * s, 136 * s), (98 * s, 146 * s)]
    draw.polygon(left, fill=(255, 255, 255))
    draw.polygon(right, fill=(255, 255, 255))
    for i in range(4):
        y = (80 + 14 * i) * s
        draw.line([(50 * s, y), (86 * s, y + 4 * s)], fill=(11, 83, 148), width=max(1, int(3 * s)))
        draw.line(
            [(106 * s, y + 4 * s), (142 * s, y)], fill=(11, 83, 148), width=max(1, int(3 * s))
        )
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


@require_GET
def icon(request: HttpRequest, size: int) -> HttpResponse:
    if size not in ICON_SIZES:
        raise Http404
    return _static(icon_png(size), "image/png")
