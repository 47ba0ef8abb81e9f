from __future__ import annotations

from django.contrib import admin

from hocbaso.audit.admin import ReadOnlyAdmin
from hocbaso.org.models import ClassGroup, Commune, Period, Province, School, SchoolName, SchoolYear

for model in (Province, Commune, School, SchoolName, SchoolYear, Period, ClassGroup):
    admin.site.register(model, ReadOnlyAdmin)
