"""POST data builders for the assessment page's form and inline formsets."""

from __future__ import annotations

from assessments.models import Assessment


def header(**overrides) -> dict:
    data = {
        "year": 2023,
        "assessor_name": "Trần Văn A",
        "step": 3,
        "baseline_output": "1200",
        "baseline_output_unit": "t sản phẩm",
        "notes": "",
    }
    data.update(overrides)
    return data


def formset(prefix: str, rows: list[dict], initial: int = 0) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{i}-{key}"] = value
    return data


def option(**overrides) -> dict:
    row = {
        "category": "housekeeping",
        "description": "Sửa rò rỉ khí nén",
        "investment_vnd": "50000000",
        "expected_savings_vnd": "20000000",
        "screening": "implement_now",
        "status": "proposed",
        "implemented_on": "",
        "feasibility_technical": "",
        "feasibility_economic": "",
        "feasibility_environmental": "",
        "saving_resource_1": "",
        "saving_quantity_1": "",
        "saving_resource_2": "",
        "saving_quantity_2": "",
        "saving_resource_3": "",
        "saving_quantity_3": "",
    }
    row.update(overrides)
    return row


def full_post(assessment: Assessment | None = None, *, baseline=(), options=(), **header_overrides) -> dict:
    """The whole page as a browser would post it; existing lines and options are included as they
    are unless replaced."""
    data = header(**header_overrides)
    if assessment is not None:
        data.setdefault("version", assessment.version)
    base_rows = list(baseline)
    opt_rows = list(options)
    initial_base = initial_opt = 0
    if assessment is not None and not base_rows:
        base_rows = [
            {"id": line.pk, "resource": line.resource_id, "quantity": line.quantity, "cost_vnd": line.cost_vnd or ""}
            for line in assessment.baseline_lines.order_by("pk")
        ]
    if assessment is not None:
        initial_base = assessment.baseline_lines.count()
        initial_opt = assessment.options.count()
    if assessment is not None and not opt_rows:
        opt_rows = [
            option(
                id=o.pk,
                category=o.category,
                description=o.description,
                investment_vnd=o.investment_vnd,
                expected_savings_vnd=o.expected_savings_vnd,
                screening=o.screening,
                status=o.status,
            )
            for o in assessment.options.order_by("pk")
        ]
    data.update(formset("baseline", base_rows, initial_base))
    data.update(formset("options", opt_rows, initial_opt))
    return data
