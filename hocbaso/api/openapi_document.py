"""The OpenAPI document of /api/v1 as committed at docs/api/openapi.json: the served document,
serialised deterministically (sorted keys, two-space indent, UTF-8, final newline), so that a
change of the API shows as a diff of that file in review."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from ninja.responses import NinjaJSONEncoder

from hocbaso.api.v1 import api


def committed_path() -> Path:
    return Path(settings.BASE_DIR) / "docs" / "api" / "openapi.json"


def render(document: dict[str, object] | None = None) -> str:
    """``document`` (default: the one /api/v1/openapi.json serves) as the committed text."""
    if document is None:
        # through JSON first, as served: status codes become string keys
        document = json.loads(json.dumps(api.get_openapi_schema(), cls=NinjaJSONEncoder))
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
