from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from cleanprod.widgets import DayInput
from enterprises.models import Commune, District, Enterprise

from .models import Attendance, Course, Officer


def _choices(form: forms.BaseForm, name: str) -> forms.ModelChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - a programming error, not input
    return field


class DateInput(DayInput):
    """A day as dd/mm/yyyy whatever the browser's language (``cleanprod.widgets.DayInput``)."""


class OfficerAccountField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.get_full_name()} ({obj.username}, {obj.commune or obj.district})"


class OfficerForm(forms.ModelForm):
    class Meta:
        model = Officer
        fields = [
            "full_name",
            "commune",
            "district",
            "position",
            "phone",
            "email",
            "tenure_start",
            "tenure_end",
            "user",
        ]
        widgets = {"tenure_start": DateInput(), "tenure_end": DateInput()}
        field_classes = {"user": OfficerAccountField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "district").queryset = District.objects.all()
        _choices(self, "district").help_text = _("Only for a record of a district office (until 30/6/2025).")
        _choices(self, "commune").queryset = Commune.objects.all()
        # Only officer accounts not yet linked to another officer record.
        accounts = User.objects.filter(role=Role.OFFICER, is_active=True).select_related("commune", "district")
        taken = Officer.objects.exclude(user=None)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        _choices(self, "user").queryset = accounts.exclude(pk__in=taken.values("user_id")).order_by(
            "commune__code", "district__code", "full_name"
        )

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("tenure_start"), data.get("tenure_end")
        if start and end and end < start:
            self.add_error("tenure_end", _("The end of tenure cannot be before its start."))
        district, commune, user = data.get("district"), data.get("commune"), data.get("user")
        if bool(district) == bool(commune):
            self.add_error(
                "commune", _("Choose the commune office, or for a record before 1/7/2025 the district office.")
            )
        elif user and (user.commune_id != commune.pk if commune else user.district_id != getattr(district, "pk", None)):
            self.add_error("user", _("Link an account of an officer of the same office."))
        return data


class CourseForm(forms.ModelForm):
    class Meta:
        model = Course
        fields = [
            "title",
            "kind",
            "start_date",
            "end_date",
            "hours",
            "commune",
            "district",
            "organiser",
            "venue",
            "topics",
        ]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "topics": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        district = _choices(self, "district")
        district.queryset = District.objects.all()
        district.empty_label = _("City-wide")
        commune = _choices(self, "commune")
        commune.queryset = Commune.objects.all()
        commune.empty_label = _("City-wide")

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The course cannot end before it starts."))
        kind = data.get("kind")
        if kind and self.instance.pk and kind == Course.Kind.OFFICER_TRAINING and self.instance.participations.exists():
            self.add_error("kind", _("Remove the participating enterprises before making this an officer training."))
        return data


# --- Attendance sheet -----------------------------------------------------------------------


class AttendanceRowForm(forms.Form):
    officer = forms.IntegerField(widget=forms.HiddenInput)
    attended = forms.BooleanField(
        label=_("Attended"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input", "data-attendance": "attended"}),
    )
    passed = forms.BooleanField(
        label=_("Passed"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input", "data-attendance": "passed"}),
    )
    certificate_number = forms.CharField(
        label=_("Certificate number"),
        required=False,
        max_length=Attendance._meta.get_field("certificate_number").max_length,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm", "autocomplete": "off"}),
    )

    officer_obj: Officer | None = None

    def clean_certificate_number(self) -> str:
        return (self.cleaned_data.get("certificate_number") or "").strip()

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        if data.get("passed") and not data.get("attended"):
            self.add_error("passed", _("An officer who did not attend cannot pass."))
        if data.get("certificate_number") and not data.get("passed"):
            self.add_error("certificate_number", _("A certificate number is only recorded for an officer who passed."))
        return data


class BaseAttendanceSheet(forms.BaseFormSet):
    """One row per officer offered for the course (see ``selectors.sheet_candidates``)."""

    def __init__(self, *args: Any, course: Course, candidates: list[Officer], **kwargs: Any) -> None:
        self.course = course
        self.candidates = {officer.pk: officer for officer in candidates}
        super().__init__(*args, **kwargs)
        for form in self.forms:
            try:
                form.officer_obj = self.candidates.get(int(form["officer"].value()))
            except (TypeError, ValueError):
                form.officer_obj = None

    def clean(self) -> None:
        if any(self.errors):
            return
        seen_officers: set[int] = set()
        by_number: dict[str, list[forms.Form]] = {}
        for form in self.forms:
            officer_id = form.cleaned_data.get("officer")
            if officer_id not in self.candidates or officer_id in seen_officers:
                raise forms.ValidationError(
                    _("The attendance sheet no longer matches the officers of this course; reload the page.")
                )
            seen_officers.add(officer_id)
            number = form.cleaned_data.get("certificate_number")
            if number:
                by_number.setdefault(number, []).append(form)
        for forms_with_number in by_number.values():
            if len(forms_with_number) > 1:
                for form in forms_with_number:
                    form.add_error("certificate_number", _("This certificate number is entered twice on the sheet."))
        if not by_number:
            return
        taken = (
            Attendance.objects.filter(certificate_number__in=list(by_number))
            .exclude(Q(course=self.course) & Q(officer_id__in=seen_officers))
            .select_related("officer", "course")
        )
        for attendance in taken:
            for form in by_number.get(attendance.certificate_number, []):
                form.add_error(
                    "certificate_number",
                    _("Certificate number %(number)s is already recorded for %(officer)s (%(course)s).")
                    % {
                        "number": attendance.certificate_number,
                        "officer": attendance.officer.full_name,
                        "course": attendance.course.title,
                    },
                )


AttendanceSheet = forms.formset_factory(
    AttendanceRowForm, formset=BaseAttendanceSheet, extra=0, max_num=2000, absolute_max=2000, validate_max=True
)


class TaxCodeField(forms.ModelChoiceField):
    """An enterprise typed as its tax code (the city has too many enterprises for a select)."""

    def to_python(self, value: Any) -> Enterprise | None:
        return super().to_python(value.strip() if isinstance(value, str) else value)


class ParticipationForm(forms.Form):
    enterprise = TaxCodeField(
        queryset=Enterprise.objects.all(),
        to_field_name="tax_code",
        label=_("Enterprise (tax code)"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={"invalid_choice": _("No enterprise with this tax code.")},
    )
    attendees = forms.IntegerField(label=_("Attendees"), min_value=1, max_value=500, initial=1)

    def __init__(self, *args: Any, course: Course, **kwargs: Any) -> None:
        self.course = course
        super().__init__(*args, **kwargs)

    def clean(self) -> dict:
        super().clean()
        if not self.course.takes_enterprises:
            raise forms.ValidationError(
                _("Enterprises take part in awareness courses and workshops, not officer training.")
            )
        return self.cleaned_data


class AttendanceUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Attendance list (.xlsx)"),
        help_text=_("Columns: full name, district, position, passed, certificate number. At most 10 MB."),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )
