from __future__ import annotations

import rules

from accounts.rules import in_own_district, is_city_staff, is_enterprise_staff, is_officer, is_own_enterprise

rules.add_perm("enterprises.view_enterprise", rules.is_authenticated)
rules.add_perm("enterprises.add_enterprise", is_city_staff | is_officer)
rules.add_perm(
    "enterprises.change_enterprise",
    is_city_staff | (is_officer & in_own_district) | (is_enterprise_staff & is_own_enterprise),
)
# Full edit (district, sector, tax code…) as opposed to contact fields only.
rules.add_perm("enterprises.change_enterprise_profile", is_city_staff | (is_officer & in_own_district))
rules.add_perm("enterprises.import_enterprise", is_city_staff | is_officer)
