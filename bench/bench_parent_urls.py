"""The bench URLs plus the baseline of bench_parent_results: a bare view behind the same
middleware (session read, authentication) that returns a small page without a query of its
own."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def bare_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("<!doctype html><title>bare</title><p>ok</p>")


urlpatterns = [
    path("bench/bare-page/", bare_page),
    path("", include("bench.bench_urls")),
]
