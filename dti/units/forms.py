"""Forms of the units administration: they validate, the actions write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dti.units.models import Department, Unit

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


class UnitForm(forms.Form):
    """A unit's name, short code, kind, parent and merger (sáp nhập)."""

    name = forms.CharField(label=_("Name"), max_length=300)
    code = forms.SlugField(
        label=_("Short code"),
        max_length=60,
        help_text=_(
            "Letters a–z, digits and “-”, e.g. stp for Sở Tư pháp. Used in addresses and files."
        ),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Unit.Kind.choices)
    parent = forms.ModelChoiceField(
        label=_("Parent unit"), queryset=Unit.objects.none(), empty_label="—", required=False
    )
    position = forms.IntegerField(
        label=_("Order"),
        min_value=0,
        required=False,
        help_text=_("Units are listed by this number."),
    )
    merged_into = forms.ModelChoiceField(
        label=_("Merged into"),
        queryset=Unit.objects.none(),
        empty_label="—",
        required=False,
        help_text=_("When the unit was merged into another one, choose it and the date."),
    )
    merged_on = forms.DateField(
        label=_("Merged on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, unit: Unit | None = None, **kwargs: Any) -> None:
        self.unit = unit
        if unit is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": unit.name,
                "code": unit.code,
                "kind": unit.kind,
                "parent": unit.parent_id,
                "position": unit.position,
                "merged_into": unit.merged_into_id,
                "merged_on": unit.merged_on,
            }
        super().__init__(*args, **kwargs)
        others = Unit.objects.all()
        if unit is not None:
            others = others.exclude(pk=unit.pk)
        self.fields["parent"].queryset = others  # type: ignore[attr-defined]
        self.fields["merged_into"].queryset = others  # type: ignore[attr-defined]

    def _others(self) -> Any:
        units = Unit.objects.all()
        return units.exclude(pk=self.unit.pk) if self.unit is not None else units

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if self._others().filter(name__iexact=name).exists():
            raise forms.ValidationError(_("Another unit already has this name."))
        return name

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].lower()
        if self._others().filter(code=code).exists():
            raise forms.ValidationError(_("Another unit already has this short code."))
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        parent = data.get("parent")
        if parent is not None and self.unit is not None:
            seen = {self.unit.pk}
            step = parent
            while step is not None:
                if step.pk in seen:
                    self.add_error(
                        "parent",
                        _(
                            "A unit cannot be placed under itself or under one of its own sub-units."
                        ),
                    )
                    break
                seen.add(step.pk)
                step = step.parent
        if data.get("merged_on") and data.get("merged_into") is None:
            self.add_error(
                "merged_into", _("Choose the unit it was merged into, or clear the date.")
            )
        return data


class DepartmentForm(forms.Form):
    """A department's name, unique within its unit."""

    name = forms.CharField(label=_("Department"), max_length=200)

    def __init__(
        self, *args: Any, unit: Unit, department: Department | None = None, **kwargs: Any
    ) -> None:
        self.unit = unit
        self.department = department
        super().__init__(*args, **kwargs)

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        others = self.unit.departments.filter(name__iexact=name)
        if self.department is not None:
            others = others.exclude(pk=self.department.pk)
        if others.exists():
            raise forms.ValidationError(_("This unit already has a department with this name."))
        return name


class ImportForm(forms.Form):
    """The workbook to import (.xlsx, at most 5 MB)."""

    file = forms.FileField(
        label=_("Excel workbook (.xlsx)"),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is too large (%(size)s MB); at most %(limit)s MB is accepted.")
                % {
                    "size": f"{upload.size / (1024 * 1024):.1f}",
                    "limit": MAX_UPLOAD_BYTES // (1024 * 1024),
                }
            )
        return upload
