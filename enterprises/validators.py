"""Validation of Vietnamese tax codes (mã số thuế)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# ASCII digits only, and the whole string: `\d` would take full-width digits and `$` a trailing newline.
TAX_CODE_RE = re.compile(r"^([0-9]{10})(?:-([0-9]{3}))?\Z")
_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)


def tax_code_check_digit(first_nine: str) -> int | None:
    """Check digit of a tax code's first nine digits, or None when no digit can be valid.

    check = 10 - (sum of digit × weight) mod 11; results 10 and 11 make the code invalid.
    """
    total = sum(int(d) * w for d, w in zip(first_nine, _WEIGHTS, strict=True))
    check = 10 - total % 11
    return check if 0 <= check <= 9 else None


def is_valid_tax_code(value: str) -> bool:
    match = TAX_CODE_RE.fullmatch(value or "")
    if not match:
        return False
    main, branch = match.groups()
    if branch is not None and branch == "000":
        return False
    return tax_code_check_digit(main[:9]) == int(main[9])


def validate_tax_code(value: str) -> None:
    match = TAX_CODE_RE.fullmatch(value or "")
    if not match:
        raise ValidationError(
            _("A tax code has 10 digits, or 10 digits, a hyphen and a 3-digit branch number."),
            code="tax_code_format",
        )
    if match.group(2) == "000":
        raise ValidationError(_("A branch number runs from 001 to 999."), code="tax_code_branch")
    if not is_valid_tax_code(value):
        raise ValidationError(_("The check digit of this tax code is wrong."), code="tax_code_check")
