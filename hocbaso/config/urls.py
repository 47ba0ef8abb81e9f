from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("quan-tri/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("hocbaso.people.urls")),
    path("", include("hocbaso.assessment.urls")),
    path("", include("hocbaso.inspection.urls")),
    path("", include("hocbaso.signing.views")),
    path("", include("hocbaso.signing.pki_views")),
    path("", include("hocbaso.records.urls")),
    path("", include("hocbaso.records.urls_signing")),
    path("", include("hocbaso.portal.urls")),
    path("", include("hocbaso.api.urls")),
    path("", include("hocbaso.exchange.urls")),
    path("", include("hocbaso.notifications.urls")),
    path("", include("hocbaso.oversight.urls")),
]
