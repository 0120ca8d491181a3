"""Past years stay put (issue 13, item 8): a year's figures count the enterprises registered and
active on 31/12 of that year, so registering or closing an enterprise later never changes them."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.urls import reverse

from enterprises.models import Commune, Enterprise, Sector
from reporting import indicators, snapshots
from reporting.dashboard import dashboard_figures
from reporting.measures import Measure
from reporting.report_data import gather
from tests.factories import (
    AssessmentFactory,
    CourseFactory,
    EnterpriseFactory,
    EnterpriseParticipationFactory,
    next_tax_code,
)

D = dt.date


def _fingerprint(ind: indicators.YearIndicators) -> dict:
    """Every figure of a year, without the time it was computed."""
    data = snapshots.indicators_to_json(ind)["indicators"]
    return {k: v for k, v in data["fields"].items() if k != "computed_at"} if "fields" in data else data


def _figures_2025() -> dict:
    live = indicators.compute_live(2025)
    dashboard = dashboard_figures(2025, None, for_city_staff=True).indicators
    report = gather(2025, None)
    return {
        "live": _fingerprint(dataclasses.replace(live, computed_at=None)),
        "dashboard": _fingerprint(dataclasses.replace(dashboard, computed_at=None)),
        "report": _fingerprint(dataclasses.replace(report.ind, computed_at=None)),
        "report_form": repr(report.form),
    }


@pytest.fixture
def registry(district_a, district_b):
    """Four enterprises on file at the end of 2025 (one aware through a 2025 workshop, one with an
    approved assessment), one registered in 2025, one closed in 2024 and one closed in 2025."""
    e1 = EnterpriseFactory(name="Công ty Một", district=district_a, registered_on=D(2020, 3, 1))
    e2 = EnterpriseFactory(name="Công ty Hai", district=district_a, registered_on=D(2021, 5, 1))
    e3 = EnterpriseFactory(name="Công ty Ba", district=district_b, registered_on=D(2025, 6, 1))
    e4 = EnterpriseFactory(name="Công ty Bốn", district=district_b, registered_on=D(2019, 1, 1))
    gone_2024 = EnterpriseFactory(
        name="Xưởng đóng 2024", district=district_a, registered_on=D(2018, 1, 1), closed_on=D(2024, 6, 30)
    )
    gone_2025 = EnterpriseFactory(
        name="Xưởng đóng 2025", district=district_b, registered_on=D(2018, 1, 1), closed_on=D(2025, 9, 30)
    )
    AssessmentFactory(enterprise=e1, year=2024, status="approved")
    AssessmentFactory(enterprise=gone_2024, year=2023, status="approved")
    workshop = CourseFactory(kind="awareness", start_date=D(2025, 4, 9), end_date=D(2025, 4, 10))
    EnterpriseParticipationFactory(enterprise=e3, course=workshop)
    EnterpriseParticipationFactory(enterprise=gone_2025, course=workshop)
    return {"e1": e1, "e2": e2, "e3": e3, "e4": e4, "gone_2024": gone_2024, "gone_2025": gone_2025}


@pytest.mark.django_db
def test_enterprise_closed_in_2024_is_not_counted_in_2025(registry):
    ind_2025 = indicators.compute_live(2025)
    # e1..e4 are active on 31/12/2025; both closed ones are not (closed on or before that day).
    assert ind_2025.measures[str(Measure.ENTERPRISES_ACTIVE)] == 4
    assert ind_2025.measures[str(Measure.AWARE_COUNT)] == 2  # e1 (assessment 2024), e3 (workshop 2025)
    assert ind_2025.measures[str(Measure.AWARE_SHARE)] == indicators.share(2, 4)
    assert sum(r.enterprises_active for r in ind_2025.districts) == 4
    assert sum(r.enterprises_active for r in ind_2025.sectors) == 4

    # In 2023 the enterprise closed in 2024 still counted (and was aware), the one of 2025 not yet
    # registered did not.
    ind_2023 = indicators.compute_live(2023)
    assert ind_2023.measures[str(Measure.ENTERPRISES_ACTIVE)] == 5  # e1, e2, e4, both closed later
    assert ind_2023.measures[str(Measure.AWARE_COUNT)] == 1  # gone_2024's assessment of 2023
    assert ind_2023.enterprises_registered == 5


@pytest.mark.django_db
def test_2025_figures_do_not_move_when_2026_registers_and_closes(registry, doit_user, login):
    before = _figures_2025()
    client = login(doit_user)

    # Register an enterprise in 2026 through the form, as DOIT would.
    response = client.post(
        reverse("enterprises:create"),
        {
            "tax_code": next_tax_code(),
            "name": "Công ty Mới 2026",
            "commune": Commune.objects.get(code="00235").pk,
            "sector": Sector.objects.get(code="17").pk,
            "address": "Số 9, phố Tây Sơn, Hà Nội",
            "ownership": Enterprise.Ownership.PRIVATE,
            "size": Enterprise.Size.SMALL,
            "employees": "80",
            "registered_on": "02/03/2026",
        },
    )
    assert response.status_code == 302
    new = Enterprise.objects.get(name="Công ty Mới 2026")
    assert new.registered_on == D(2026, 3, 2) and new.active

    # Close one in 2026 through the edit form (closure, not plain deactivation).
    e4 = registry["e4"]
    edit = client.get(reverse("enterprises:edit", args=[e4.pk]))
    form = edit.context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(
        closed_on="15/05/2026",
        loaded_at=edit.context.get("loaded_at", e4.updated_at.isoformat()),
        registered_on="01/01/2019",
    )
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}
    response = client.post(reverse("enterprises:edit", args=[e4.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    e4.refresh_from_db()
    assert e4.closed_on == D(2026, 5, 15) and not e4.active

    after = _figures_2025()
    assert after == before

    # The later year sees both changes.
    ind_2026 = indicators.compute_live(2026)
    assert ind_2026.enterprises_registered == 7  # e1..e4, gone_2025 (in the registry), the new one
    assert ind_2026.measures[str(Measure.ENTERPRISES_ACTIVE)] == 4  # e1, e2, e3, the new one


@pytest.mark.django_db
def test_closure_date_cannot_precede_registration_or_lie_in_the_future(registry, doit_user, login):
    client = login(doit_user)
    e2 = registry["e2"]
    edit = client.get(reverse("enterprises:edit", args=[e2.pk]))
    form = edit.context["form"]
    base = {name: form[name].value() for name in form.fields if form[name].value() not in (None, False)}
    base = {k: ("on" if v is True else v) for k, v in base.items()}
    base["loaded_at"] = edit.context.get("loaded_at", e2.updated_at.isoformat())
    base["registered_on"] = e2.registered_on.strftime("%d/%m/%Y")
    for closed_on in ("01/01/2020", (dt.date.today() + dt.timedelta(days=400)).strftime("%d/%m/%Y")):
        response = client.post(reverse("enterprises:edit", args=[e2.pk]), {**base, "closed_on": closed_on})
        assert response.status_code == 200
        assert "closed_on" in response.context["form"].errors
    e2.refresh_from_db()
    assert e2.closed_on is None and e2.active


@pytest.mark.django_db
def test_deactivating_without_a_date_closes_today_and_reopening_clears_it(district_a):
    from django.utils import timezone

    e = EnterpriseFactory(district=district_a)
    e.active = False
    e.save()
    assert e.closed_on == timezone.localdate()
    # A closed enterprise still counts in the years before its closure.
    last_year = timezone.localdate().year - 1
    assert indicators.compute_live(last_year).measures[str(Measure.ENTERPRISES_ACTIVE)] == 1


@pytest.mark.django_db
def test_seed_demo_registry_dates_tell_the_story():
    from io import StringIO

    from django.core.management import call_command
    from django.db.models import Min
    from django.utils import timezone

    from assessments.models import Assessment, SavingsReport
    from enterprises.models import REFORM_DATE
    from training.models import EnterpriseParticipation

    call_command("seed_demo", enterprises=250, years="2019-2024", seed=7, stdout=StringIO())
    today = timezone.localdate()
    registry = {
        pk: (reg, closed, active)
        for pk, reg, closed, active in Enterprise.objects.values_list("pk", "registered_on", "closed_on", "active")
    }
    assert all(reg <= today for reg, _c, _a in registry.values())
    assert all(active == (closed is None) for _r, closed, active in registry.values())
    closures = [closed for reg, closed, _a in registry.values() if closed is not None]
    assert closures and all(reg <= closed <= today for reg, closed, _a in registry.values() if closed is not None)
    assert len({c.year for c in closures}) >= 2  # closures spread over the years
    assert any(reg >= REFORM_DATE for reg, _c, _a in registry.values())  # registered since the reform
    assert any(reg.year < 2019 for reg, _c, _a in registry.values())  # on file before the programme years
    assert any(2019 <= reg.year <= 2024 for reg, _c, _a in registry.values())  # joined during them
    # Nobody took part in the programme before being registered.
    for model, field, to_date in (
        (Assessment, "year", lambda y: D(y, 1, 1)),
        (SavingsReport, "year", lambda y: D(y, 1, 1)),
        (EnterpriseParticipation, "course__start_date", lambda d: d),
    ):
        for row in model.objects.values("enterprise").annotate(first=Min(field)):
            assert registry[row["enterprise"]][0] <= to_date(row["first"])
    # Each year counts only the enterprises on file then: fewer active enterprises in 2019 than now.
    assert (
        indicators.compute_live(2019).measures[str(Measure.ENTERPRISES_ACTIVE)]
        < Enterprise.objects.filter(active=True).count()
    )
