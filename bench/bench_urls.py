"""URLs for benchmarks: the application plus bare baselines measured in the same run."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.contrib.sessions.models import Session
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt  # a baseline: one INSERT and a JSON answer, nothing else
def bare_insert(request: HttpRequest) -> HttpResponse:
    Session.objects.create(
        session_key=uuid.uuid4().hex,
        session_data="bench",
        expire_date=timezone.now() + timedelta(minutes=1),
    )
    return JsonResponse({"ok": True})


urlpatterns = [
    path("bench/bare-insert/", bare_insert),
    path("", include("hocbaso.config.urls")),
]
