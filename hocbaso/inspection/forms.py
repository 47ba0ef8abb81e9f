"""The trail's filter form: parsing only (dates are Vietnam calendar days)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from hocbaso.audit.registry import ACTIONS

DATE_FORMATS = ["%d/%m/%Y"]


def _action_choices() -> list[tuple[str, Any]]:
    return [("", _("Tất cả hành động")), *sorted(ACTIONS.items(), key=lambda kv: kv[1])]


class TrailFilterForm(forms.Form):
    date_from = forms.DateField(
        label=_("Từ ngày"), required=False, input_formats=DATE_FORMATS, localize=False
    )
    date_to = forms.DateField(
        label=_("Đến ngày"), required=False, input_formats=DATE_FORMATS, localize=False
    )
    action = forms.ChoiceField(label=_("Hành động"), required=False, choices=_action_choices)
    actor = forms.CharField(
        label=_("Tên đăng nhập người thực hiện"), required=False, max_length=150
    )
    subject_type = forms.CharField(label=_("Loại đối tượng"), required=False, max_length=64)
    subject_id = forms.CharField(label=_("Mã đối tượng"), required=False, max_length=64)
    q = forms.CharField(label=_("Tìm trong tên đối tượng"), required=False, max_length=100)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("«Từ ngày» phải trước hoặc bằng «Đến ngày»."))
        return data
