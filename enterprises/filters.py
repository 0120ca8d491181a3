from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Commune, District, Enterprise, Sector

YES_NO_ANY = forms.Select(choices=[("", _("All")), ("true", _("Yes")), ("false", _("No"))])


class StableOrderingFilter(django_filters.OrderingFilter):
    """Sorting with the primary key as last key: rows that tie on the chosen column (many
    enterprises share a name or a head count) keep one order, so pages neither repeat nor skip
    rows."""

    # django-filter's own wording, here so that the portal's catalogue carries its translation.
    descending_fmt = _("%s (descending)")

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        if value:
            qs = qs.order_by(*qs.query.order_by, "pk")
        return qs


class EnterpriseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"))
    commune = django_filters.ModelChoiceFilter(
        queryset=Commune.objects.all(), label=_("Commune or ward"), empty_label=_("All")
    )
    district = django_filters.ModelChoiceFilter(
        queryset=District.objects.all(), label=_("Former district"), empty_label=_("All")
    )
    sector = django_filters.ModelChoiceFilter(
        queryset=Sector.objects.filter(parent=None), label=_("Sector"), empty_label=_("All")
    )
    size = django_filters.ChoiceFilter(choices=Enterprise.Size.choices, label=_("Size"), empty_label=_("All"))
    ownership = django_filters.ChoiceFilter(
        choices=Enterprise.Ownership.choices, label=_("Ownership"), empty_label=_("All")
    )
    is_designated_energy_user = django_filters.BooleanFilter(label=_("Designated energy user"), widget=YES_NO_ANY)
    active = django_filters.BooleanFilter(label=_("Active"), widget=YES_NO_ANY)
    sort = StableOrderingFilter(
        fields=(
            ("name", "name"),
            ("tax_code", "tax_code"),
            ("commune__code", "commune"),
            ("district__code", "district"),
            ("employees", "employees"),
            ("created_at", "created"),
        ),
        label=_("Sort by"),
        empty_label=_("Name"),
    )

    class Meta:
        model = Enterprise
        fields: list[str] = []

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not user.scope.is_city:
            del self.filters["commune"]  # an officer or enterprise sees one commune anyway
            del self.filters["district"]
        for field in self.form.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = css

    def filter_q(self, queryset, name, value):
        return queryset.search(value)
