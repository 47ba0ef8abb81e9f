"""Assessment routes; each screen's module owns its own list."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

from hocbaso.assessment.views import corrections as correction_views
from hocbaso.assessment.views import history as history_views
from hocbaso.assessment.views import locks as lock_views
from hocbaso.assessment.views import progress as progress_views
from hocbaso.assessment.views import release as release_views
from hocbaso.assessment.views import review as review_views
from hocbaso.assessment.views import sheets
from hocbaso.assessment.views import summary as summary_views
from hocbaso.assessment.views import workbook as workbook_views
from hocbaso.assessment.views import year_end as year_end_views

urlpatterns: list[URLPattern | URLResolver] = []
urlpatterns += workbook_views.urlpatterns
urlpatterns += progress_views.urlpatterns
urlpatterns += sheets.urlpatterns
urlpatterns += summary_views.urlpatterns
urlpatterns += year_end_views.urlpatterns
urlpatterns += lock_views.urlpatterns
urlpatterns += review_views.urlpatterns
urlpatterns += correction_views.urlpatterns
urlpatterns += history_views.urlpatterns
urlpatterns += release_views.urlpatterns
