from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cleanprod.bounds import MAX_YEAR, MIN_YEAR
from enterprises.models import District
from enterprises.text import fold

from .models import Course, CourseKind, Officer


def _style(filterset: django_filters.FilterSet) -> None:
    for field in filterset.form.fields.values():
        css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        field.widget.attrs.setdefault("class", css)


class OfficerFilter(django_filters.FilterSet):
    IN_POST, LEFT = "in_post", "left"
    TRAINED, UNTRAINED = "yes", "no"

    q = django_filters.CharFilter(method="filter_q", label=_("Name"))
    district = django_filters.ModelChoiceFilter(
        queryset=District.objects.filter(active=True), label=_("District"), empty_label=_("All")
    )
    status = django_filters.ChoiceFilter(
        choices=[(IN_POST, _("In post")), (LEFT, _("Left"))],
        method="filter_status",
        label=_("Status"),
        empty_label=_("All"),
    )
    trained = django_filters.ChoiceFilter(
        choices=[(TRAINED, _("Trained")), (UNTRAINED, _("Not trained"))],
        method="filter_trained",
        label=_("Training"),
        empty_label=_("All"),
    )

    class Meta:
        model = Officer
        fields: list[str] = []

    def __init__(self, *args, user, as_of: dt.date | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.as_of = as_of or timezone.localdate()
        if not user.scope.is_city:
            del self.filters["district"]  # an officer sees their own district only
        _style(self)

    def filter_q(self, queryset, name, value):
        key = fold(value)
        for word in key.split(" ") if key else []:
            queryset = queryset.filter(name_key__contains=word)
        return queryset

    def filter_status(self, queryset, name, value):
        if value == self.IN_POST:
            return queryset.in_post(self.as_of)
        if value == self.LEFT:
            return queryset.left(self.as_of)
        return queryset

    def filter_trained(self, queryset, name, value):
        return queryset.trained(self.as_of, trained=value == self.TRAINED)


class CourseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", label=_("Title"))
    kind = django_filters.ChoiceFilter(choices=CourseKind.choices, label=_("Kind"), empty_label=_("All"))
    year = django_filters.NumberFilter(
        field_name="start_date", lookup_expr="year", label=_("Year"), min_value=MIN_YEAR, max_value=MAX_YEAR
    )
    district = django_filters.ModelChoiceFilter(
        queryset=District.objects.filter(active=True), label=_("District"), empty_label=_("All")
    )

    class Meta:
        model = Course
        fields: list[str] = []

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not user.scope.is_city:
            del self.filters["district"]
        _style(self)
