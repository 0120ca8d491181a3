from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from .models import District, Enterprise, Sector


class EnterpriseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"))
    district = django_filters.ModelChoiceFilter(queryset=District.objects.all(), label=_("District"))
    sector = django_filters.ModelChoiceFilter(queryset=Sector.objects.filter(parent=None), label=_("Sector"))
    size = django_filters.ChoiceFilter(choices=Enterprise.Size.choices, label=_("Size"))
    ownership = django_filters.ChoiceFilter(choices=Enterprise.Ownership.choices, label=_("Ownership"))
    is_designated_energy_user = django_filters.BooleanFilter(label=_("Designated energy user"))
    active = django_filters.BooleanFilter(label=_("Active"))
    sort = django_filters.OrderingFilter(
        fields=(
            ("name", "name"),
            ("tax_code", "tax_code"),
            ("district__code", "district"),
            ("employees", "employees"),
            ("created_at", "created"),
        ),
        label=_("Sort by"),
    )

    class Meta:
        model = Enterprise
        fields: list[str] = []

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not user.sees_city:
            del self.filters["district"]  # an officer or enterprise sees one district anyway

    def filter_q(self, queryset, name, value):
        return queryset.search(value)
