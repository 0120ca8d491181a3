"""Who may change the programme settings: DOIT staff (the scope policy's city scope)."""

from __future__ import annotations

import rules

from accounts.rules import is_city_staff

rules.add_perm("programme.manage_settings", is_city_staff)
