from __future__ import annotations

import rules

from accounts.rules import in_scope, is_city_staff, is_enterprise_staff, is_officer

rules.add_perm("enterprises.view_enterprise", rules.is_authenticated)
rules.add_perm("enterprises.add_enterprise", is_city_staff | is_officer)
rules.add_perm(
    "enterprises.change_enterprise",
    is_city_staff | ((is_officer | is_enterprise_staff) & in_scope),
)
# Full edit (district, sector, tax code…) as opposed to contact fields only.
rules.add_perm("enterprises.change_enterprise_profile", is_city_staff | (is_officer & in_scope))
rules.add_perm("enterprises.import_enterprise", is_city_staff | is_officer)
# CP contacts and their handover: the enterprise's commune office (and DOIT) record them.
rules.add_perm("enterprises.manage_contacts", is_city_staff | (is_officer & in_scope))
