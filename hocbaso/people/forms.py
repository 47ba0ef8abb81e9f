from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from hocbaso.people.code_lists import ETHNICITIES, NATIONALITIES
from hocbaso.people.models import Gender, Student, VerificationSource
from hocbaso.people.profile_fields import PROFILE_FIELDS, VERIFIABLE_FIELDS


class StudentProfileForm(forms.Form):
    """Renders the identity-page fields; the action `update_student_profile` validates them."""

    def __init__(self, *args: object, student: Student | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for pf in PROFILE_FIELDS:
            initial = getattr(student, pf.name) if student is not None else None
            if pf.name == "gender":
                field: forms.Field = forms.ChoiceField(label=pf.label, choices=Gender.choices)
            elif pf.name == "ethnicity":
                field = forms.ChoiceField(label=pf.label, choices=sorted(ETHNICITIES.items()))
            elif pf.name == "nationality":
                field = forms.ChoiceField(label=pf.label, choices=list(NATIONALITIES.items()))
            elif pf.name == "birth_date":
                field = forms.CharField(label=pf.label, help_text=_("dd/mm/yyyy"))
                initial = initial.strftime("%d/%m/%Y") if initial else ""
            elif pf.name == "personal_id":
                field = forms.CharField(
                    label=pf.label, required=False, help_text=_("12 chữ số; để trống nếu chưa có")
                )
                initial = (
                    ""  # never pre-filled: the number is shown only on an explicit, logged request
                )
            else:
                hint = _("Ghi «không» nếu không có") if pf.allows_not_applicable else ""
                field = forms.CharField(label=pf.label, help_text=hint, required=False)
            field.initial = initial
            self.fields[pf.name] = field

    def raw_values(self) -> dict[str, str]:
        """Only the known fields (no mass assignment); the personal ID only when typed."""
        raw = {name: self.data.get(name, "") for name in self.fields}
        if not raw.get("personal_id"):
            raw.pop("personal_id", None)
        return raw


class VerifyFieldForm(forms.Form):
    field = forms.ChoiceField(choices=[(f, f) for f in VERIFIABLE_FIELDS])
    source = forms.ChoiceField(choices=VerificationSource.choices)


class PhotoUploadForm(forms.Form):
    photo = forms.FileField(label=_("Ảnh 3×4 (JPEG, PNG)"))
