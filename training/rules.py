"""Who may use the training module (DESIGN.md §4): DOIT manages everything, district officers
read their own district's rows, enterprise staff have no training pages."""

from __future__ import annotations

import rules

from accounts.rules import is_city_staff, is_officer

rules.add_perm("training.view_training", is_city_staff | is_officer)
rules.add_perm("training.manage_training", is_city_staff)
