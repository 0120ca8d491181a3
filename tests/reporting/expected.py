"""Every indicator recomputed the slow, obvious way: Python loops over every row, no aggregate
query, no code shared with ``reporting.indicators``. The tests compare the two."""

from __future__ import annotations

import datetime as dt
import statistics
from decimal import Decimal

from assessments.models import Assessment, BaselineConsumption, CPOption, ResourceFactor, SavingsLine, SavingsReport
from enterprises.models import District, Enterprise
from programme.models import ProgrammeSettings
from training.models import Attendance, Course, EnterpriseParticipation, Officer


def factor(resource_id: int, year: int, field: str) -> Decimal | None:
    rows = [f for f in ResourceFactor.objects.all() if f.resource_id == resource_id and f.valid_from_year <= year]
    if not rows:
        return None
    return getattr(max(rows, key=lambda f: f.valid_from_year), field)


def pct(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"))


def in_scope(enterprise: Enterprise, district: District | None) -> bool:
    return district is None or enterprise.district_id == district.pk


def expected(year: int, district: District | None = None) -> dict:
    end = min(dt.date(year, 12, 31), dt.date.today())
    start = dt.date(year, 1, 1)
    # On the registry on ``end`` (registered by then), and of those the ones not closed by then.
    enterprises = [e for e in Enterprise.objects.all() if in_scope(e, district) and e.registered_on <= end]

    def is_active(e: Enterprise) -> bool:
        return e.closed_on is None or e.closed_on > end

    active = [e for e in enterprises if is_active(e)]
    assessments = list(Assessment.objects.select_related("enterprise"))
    approved = [a for a in assessments if a.status == "approved"]
    options = list(CPOption.objects.select_related("assessment__enterprise"))
    participations = list(EnterpriseParticipation.objects.select_related("course", "enterprise"))

    # The course kinds DOIT counts as awareness (the programme settings; both kinds by default).
    setting = ProgrammeSettings.objects.filter(pk=1).first()
    kinds = {"awareness", "workshop"}
    if setting is not None:
        kinds = {
            k for k, on in (("awareness", setting.aware_awareness_courses), ("workshop", setting.aware_workshops)) if on
        }
    aware_ids = {a.enterprise_id for a in approved if a.year <= year} | {
        p.enterprise_id for p in participations if p.course.kind in kinds and p.course.end_date <= end
    }
    applying_ids = {
        o.assessment.enterprise_id
        for o in options
        if o.assessment.status == "approved" and o.status == "implemented" and o.implemented_on <= end
    }
    aware = [e for e in active if e.pk in aware_ids]
    applying = [e for e in active if e.pk in applying_ids]
    completed = [a for a in approved if a.year == year and in_scope(a.enterprise, district)]
    implemented = [
        o
        for o in options
        if o.assessment.status == "approved"
        and o.status == "implemented"
        and o.implemented_on.year == year
        and in_scope(o.assessment.enterprise, district)
    ]

    lines = [
        line
        for line in SavingsLine.objects.select_related("report__enterprise", "resource", "option")
        if line.report.status == "verified" and line.report.year == year and in_scope(line.report.enterprise, district)
    ]

    def sign(line):
        return -1 if line.change == "added" else 1

    def toe(line):
        f = factor(line.resource_id, year, "toe_per_unit") if line.resource.has_energy_factor else None
        return None if f is None else sign(line) * line.quantity * f

    def co2(line):
        f = factor(line.resource_id, year, "tco2e_per_unit") if line.resource.has_energy_factor else None
        return None if f is None else sign(line) * line.quantity * f

    total_toe = sum((toe(line) for line in lines if toe(line) is not None), Decimal(0))
    total_co2 = sum((co2(line) for line in lines if co2(line) is not None), Decimal(0))
    total_vnd = sum(sign(line) * line.vnd_saved for line in lines)

    # Energy saving against the baseline of reporting enterprises with an approved assessment:
    # adjusted to the output of the verified reports when all give one, else the yearly baseline
    # prorated to the verified quarters (a yearly report: the whole year).
    reporting_ids = {line.report.enterprise_id for line in lines}
    baseline_toe = None
    saved_toe = Decimal(0)
    with_baseline = set()
    for eid in reporting_ids:
        mine = [a for a in approved if a.enterprise_id == eid and a.year <= year]
        if not mine:
            continue
        latest = max(mine, key=lambda a: (a.year, a.pk))
        base = Decimal(0)
        for b in BaselineConsumption.objects.filter(assessment=latest).select_related("resource"):
            f = factor(b.resource_id, year, "toe_per_unit")
            if b.resource.has_energy_factor and f is not None:
                base += b.quantity * f
        if not base:
            continue
        with_baseline.add(eid)
        reports = [r for r in SavingsReport.objects.filter(enterprise_id=eid, year=year, status="verified")]
        outputs = [r.output_quantity for r in reports]
        if latest.baseline_output and all(o is not None for o in outputs):
            adjusted = base * sum(outputs, Decimal(0)) / latest.baseline_output
        else:
            quarters = 4 if any(r.period == "Y" for r in reports) else len({r.period for r in reports})
            adjusted = base * quarters / 4
        baseline_toe = (baseline_toe or Decimal(0)) + adjusted
    for line in lines:
        if line.report.enterprise_id in with_baseline and line.resource.has_energy_factor and toe(line) is not None:
            saved_toe += toe(line)

    # Training.
    attendances = list(Attendance.objects.select_related("officer", "course"))
    officers_trained = {
        a.officer_id
        for a in attendances
        if a.passed
        and a.course.kind == "officer"
        and start <= a.course.end_date <= end
        and (district is None or a.officer.district_id == district.pk)
    }
    courses = [c for c in Course.objects.all() if start <= c.end_date <= end]
    if district is not None:
        courses = [
            c
            for c in courses
            if c.district_id == district.pk
            or (
                c.district_id is None
                and (
                    any(a.course_id == c.pk and a.officer.district_id == district.pk for a in attendances)
                    or any(p.course_id == c.pk and p.enterprise.district_id == district.pk for p in participations)
                )
            )
        ]
    participating = {
        p.enterprise_id
        for p in participations
        if start <= p.course.end_date <= end and in_scope(p.enterprise, district)
    }
    districts = [d for d in District.objects.filter(active=True) if district is None or d.pk == district.pk]
    covered = []
    for d in districts:
        in_post = [
            o
            for o in Officer.objects.filter(district=d)
            if o.tenure_start <= end and (o.tenure_end is None or o.tenure_end >= end)
        ]
        trained = [
            o
            for o in in_post
            if any(
                a.officer_id == o.pk and a.passed and a.course.kind == "officer" and a.course.end_date <= end
                for a in attendances
            )
        ]
        if trained:
            covered.append(d.code)

    categories = {}
    for code, _label in CPOption.Category.choices:
        mine = [o for o in implemented if o.category == code]
        paybacks = [Decimal(o.investment_vnd) / Decimal(o.expected_savings_vnd) for o in mine if o.expected_savings_vnd]
        categories[code] = {
            "identified": sum(
                1
                for o in options
                if o.category == code
                and o.assessment.status == "approved"
                and o.assessment.year == year
                and in_scope(o.assessment.enterprise, district)
            ),
            "implemented": len(mine),
            "investment_vnd": sum(o.investment_vnd for o in mine),
            "expected_savings_vnd": sum(o.expected_savings_vnd for o in mine),
            "verified_savings_vnd": sum(
                sign(line) * line.vnd_saved for line in lines if line.option and line.option.category == code
            ),
            "median_payback_years": statistics.median(paybacks) if paybacks else None,
        }
    # The savings not linked to an option: their own row, so that the rows add up to the total.
    categories[""] = {
        "identified": 0,
        "implemented": 0,
        "investment_vnd": 0,
        "expected_savings_vnd": 0,
        "verified_savings_vnd": sum(sign(line) * line.vnd_saved for line in lines if not line.option),
        "median_payback_years": None,
    }

    resources = {}
    for line in lines:
        r = resources.setdefault(
            line.resource.code, {"quantity": Decimal(0), "vnd": 0, "toe": Decimal(0), "tco2e": Decimal(0), "lines": 0}
        )
        r["quantity"] += line.quantity
        r["vnd"] += line.vnd_saved
        r["lines"] += 1
        r["toe"] = None if toe(line) is None else r["toe"] + toe(line)
        r["tco2e"] = None if co2(line) is None else r["tco2e"] + co2(line)

    per_district = {}
    for d in District.objects.all():
        if district is not None and d.pk != district.pk:
            continue
        mine = [e for e in active if e.district_id == d.pk]
        d_lines = [line for line in lines if line.report.enterprise.district_id == d.pk]
        per_district[d.code] = {
            "enterprises_registered": sum(1 for e in enterprises if e.district_id == d.pk),
            "enterprises_active": len(mine),
            "aware": sum(1 for e in mine if e.pk in aware_ids),
            "applying": sum(1 for e in mine if e.pk in applying_ids),
            "assessments_completed": sum(1 for a in completed if a.enterprise.district_id == d.pk),
            "options_implemented": sum(1 for o in implemented if o.assessment.enterprise.district_id == d.pk),
            "savings_toe": sum((toe(x) for x in d_lines if toe(x) is not None), Decimal(0)),
            "savings_tco2e": sum((co2(x) for x in d_lines if co2(x) is not None), Decimal(0)),
            "savings_vnd": sum(x.vnd_saved for x in d_lines),
        }

    per_sector = {}
    for e in enterprises:
        code = e.sector.parent.code if e.sector.parent_id else e.sector.code
        s = per_sector.setdefault(
            code,
            {"enterprises_active": 0, "aware": 0, "applying": 0, "assessments_completed": 0, "savings_vnd": 0},
        )
        if is_active(e):
            s["enterprises_active"] += 1
            s["aware"] += e.pk in aware_ids
            s["applying"] += e.pk in applying_ids
    for a in completed:
        code = a.enterprise.sector.code
        per_sector.setdefault(
            code, {"enterprises_active": 0, "aware": 0, "applying": 0, "assessments_completed": 0, "savings_vnd": 0}
        )
        per_sector[code]["assessments_completed"] += 1
    for line in lines:
        per_sector[line.report.enterprise.sector.code]["savings_vnd"] += line.vnd_saved

    n_districts = len(districts)
    return {
        "enterprises_registered": len(enterprises),
        "enterprises_active": len(active),
        "aware_count": len(aware),
        "aware_ids": {e.pk for e in aware},
        "aware_share": pct(len(aware), len(active)),
        "applying_count": len(applying),
        "applying_share": pct(len(applying), len(active)),
        "assessments_completed": len(completed),
        "options_implemented": len(implemented),
        "investment_vnd": sum(o.investment_vnd for o in implemented),
        "savings_toe": total_toe,
        "savings_tco2e": total_co2,
        "savings_vnd": total_vnd,
        "energy_saving_pct": pct(saved_toe, baseline_toe),
        "officers_trained": len(officers_trained),
        "courses_held": len(courses),
        "districts_covered": len(covered),
        "districts_covered_share": pct(len(covered), n_districts),
        "enterprises_participating": len(participating),
        "baseline_toe": baseline_toe,
        "categories": categories,
        "resources": resources,
        "districts": per_district,
        "sectors": per_sector,
        "reports_unverified": sum(
            1
            for r in SavingsReport.objects.select_related("enterprise")
            if r.year == year and r.status == "submitted" and in_scope(r.enterprise, district)
        ),
    }


def trend(years: range, district: District | None = None) -> dict[int, dict]:
    result = {}
    for y in years:
        lines = [
            line
            for line in SavingsLine.objects.select_related("report__enterprise", "resource")
            if line.report.status == "verified" and line.report.year == y and in_scope(line.report.enterprise, district)
        ]
        toe = Decimal(0)
        for line in lines:
            f = factor(line.resource_id, y, "toe_per_unit")
            if line.resource.has_energy_factor and f is not None:
                toe += line.quantity * f
        result[y] = {"savings_vnd": sum(line.vnd_saved for line in lines), "savings_toe": toe}
    return result
