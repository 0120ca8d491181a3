import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_officer_sees_own_district_enterprise_but_not_other(login, officer_a, enterprise_x, enterprise_y):
    client = login(officer_a)
    assert client.get(reverse("enterprises:detail", args=[enterprise_x.pk])).status_code == 200
    assert client.get(reverse("enterprises:detail", args=[enterprise_y.pk])).status_code == 404


def test_dashboard_renders_for_each_role(login, doit_user, officer_a, staff_x):
    for user in (doit_user, officer_a, staff_x):
        assert login(user).get("/").status_code == 200
