"""Who may do what in the reporting app (object scope lives in ``ReportJob.objects.visible_to``)."""

from __future__ import annotations

import rules

from accounts.rules import is_city_staff, is_officer

rules.add_perm("reporting.request_report", is_city_staff | is_officer)
rules.add_perm("reporting.view_plans", is_city_staff | is_officer)
rules.add_perm("reporting.manage_plans", is_city_staff)
rules.add_perm("reporting.lock_year", is_city_staff)
