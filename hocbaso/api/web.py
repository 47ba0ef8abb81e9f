"""The web page where a logged-in person (staff or parent) sees their API tokens and revokes
one: the same `revoke_token` action as DELETE /api/v1/auth/tokens/{id}."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from hocbaso.api.actions import revoke_token
from hocbaso.api.models import ApiToken

LIST_LIMIT = 100


@login_required
@never_cache
@require_GET
def token_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    tokens = list(ApiToken.objects.filter(user=user)[:LIST_LIMIT])
    return render(request, "api/tokens.html", {"tokens": tokens})


@login_required
@never_cache
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = revoke_token(pk, acting_user=request.user)  # another person's token: 404
    messages.success(request, _("Đã thu hồi mã %(prefix)s…") % {"prefix": token.prefix})
    return redirect("api_tokens")
