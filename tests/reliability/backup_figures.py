"""Run as ``python -m tests.reliability.backup_figures YEAR...`` with DATABASE_URL and
DJANGO_PRIVATE_ROOT set: prints, as JSON, the row count of every model (and many-to-many table),
the report figures of each year for the city and every district, and the sha256 of every
finished report's file. The backup test runs it against the original and the restored database
and compares the two outputs."""

from __future__ import annotations

import hashlib
import json
import sys

import django


def main(years: list[int]) -> dict:
    django.setup()
    from django.apps import apps
    from django.utils import translation

    from enterprises.models import District
    from reporting import indicators, snapshots
    from reporting.models import ReportJob

    counts = {model._meta.label: model._base_manager.count() for model in apps.get_models(include_auto_created=True)}
    figures = {}
    # The city and the first three districts that have enterprises (each figure is also in the city's).
    districts = list(District.objects.filter(enterprises__isnull=False).distinct().order_by("code")[:3])
    with translation.override("vi"):
        for year in years:
            for district in [None, *districts]:
                data = snapshots.indicators_to_json(indicators.compute(year, district))
                data["indicators"]["fields"].pop("computed_at")  # when it ran, not what it says
                figures[f"{year}/{district.code if district else 'city'}"] = data
    files = {}
    for job in ReportJob.objects.filter(status=ReportJob.Status.DONE).order_by("pk"):
        with job.file.open("rb") as handle:
            files[job.file.name] = hashlib.sha256(handle.read()).hexdigest()
    return {"counts": counts, "figures": figures, "files": files}


if __name__ == "__main__":
    json.dump(main([int(y) for y in sys.argv[1:]]), sys.stdout, sort_keys=True, default=str)
