"""Vietnamese tax codes (mã số thuế): 10 digits with a check digit, or a branch XXXXXXXXXX-YYY."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from enterprises.validators import is_valid_tax_code, tax_code_check_digit, validate_tax_code

VALID = ["0100233488", "0314409058", "0100112437", "0312687878"]


def weighted_sum(first_nine: str) -> int:
    return sum(int(d) * w for d, w in zip(first_nine, (31, 29, 23, 19, 17, 13, 7, 5, 3), strict=True))


@pytest.mark.parametrize("code", [*VALID, "0100233488-001", "0314409058-999", "0100112437-010"])
def test_valid_tax_codes_are_accepted(code):
    assert is_valid_tax_code(code)
    validate_tax_code(code)  # does not raise


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("0100233488-000", "tax_code_branch"),
        ("0100233489", "tax_code_check"),
        ("0100233487", "tax_code_check"),
        ("0314409059-001", "tax_code_check"),
        ("010023348", "tax_code_format"),
        ("01002334880", "tax_code_format"),
        ("01002334a8", "tax_code_format"),
        ("ABCDEFGHIJ", "tax_code_format"),
        ("0100233488-01", "tax_code_format"),
        ("0100233488-0001", "tax_code_format"),
        ("0100233488001", "tax_code_format"),
        ("0100233488 001", "tax_code_format"),
        ("0100233488-", "tax_code_format"),
        ("", "tax_code_format"),
        (" 0100233488", "tax_code_format"),
        ("0100233488\n", "tax_code_format"),
        ("０１００２３３４８８", "tax_code_format"),  # full-width digits are not ASCII digits
        ("٠١٠٠٢٣٣٤٨٨", "tax_code_format"),  # nor are Arabic-Indic ones
    ],
)
def test_invalid_tax_codes_are_refused_with_the_reason(code, reason):
    assert not is_valid_tax_code(code)
    with pytest.raises(ValidationError) as exc:
        validate_tax_code(code)
    assert exc.value.code == reason


def test_none_is_not_a_tax_code():
    assert not is_valid_tax_code(None)


def test_check_digit_of_the_reference_examples():
    for code in VALID:
        assert tax_code_check_digit(code[:9]) == int(code[9])


def _first_nine_with_remainder(remainder: int) -> str:
    for n in range(10**6):
        first_nine = f"01{n:07d}"
        if weighted_sum(first_nine) % 11 == remainder:
            return first_nine
    raise AssertionError("unreachable")


def test_check_digit_ten_makes_every_code_with_these_nine_digits_invalid():
    first_nine = _first_nine_with_remainder(0)  # 10 - 0 = 10: no digit can be valid
    assert tax_code_check_digit(first_nine) is None
    for digit in range(10):
        code = f"{first_nine}{digit}"
        assert not is_valid_tax_code(code), code
        assert not is_valid_tax_code(f"{code}-001"), code
        with pytest.raises(ValidationError):
            validate_tax_code(code)


def test_check_digit_eleven_cannot_occur_and_remainder_one_gives_nine():
    # 10 - (sum mod 11) is at most 10; "11" in the rule would need a negative remainder.
    first_nine = _first_nine_with_remainder(1)
    assert tax_code_check_digit(first_nine) == 9
    assert is_valid_tax_code(f"{first_nine}9")


def test_remainder_ten_gives_check_digit_zero():
    first_nine = _first_nine_with_remainder(10)
    assert tax_code_check_digit(first_nine) == 0
    assert is_valid_tax_code(f"{first_nine}0")


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_nine_digits_and_computed_check_digit_valid_iff_check_at_most_nine(first_nine):
    check = 10 - weighted_sum(first_nine) % 11
    code = f"{first_nine}{check}"
    assert is_valid_tax_code(code) == (check <= 9)
    if check <= 9:
        assert tax_code_check_digit(first_nine) == check
        validate_tax_code(code)
        validate_tax_code(f"{code}-001")
    else:
        assert tax_code_check_digit(first_nine) is None
        # with check 10 no single digit makes the code valid
        assert not any(is_valid_tax_code(f"{first_nine}{d}") for d in range(10))


@given(st.text(alphabet="0123456789", min_size=9, max_size=9), st.integers(0, 9))
def test_exactly_one_check_digit_or_none_is_valid(first_nine, digit):
    code = f"{first_nine}{digit}"
    assert is_valid_tax_code(code) == (tax_code_check_digit(first_nine) == digit)


@given(st.integers(1, 999))
def test_every_branch_number_from_001_to_999_is_accepted(branch):
    code = f"{VALID[0]}-{branch:03d}"
    assert is_valid_tax_code(code)
    validate_tax_code(code)


def test_model_and_database_refuse_an_invalid_tax_code(db):
    from django.db import IntegrityError, transaction

    from enterprises.models import Enterprise

    from ..factories import EnterpriseFactory

    enterprise = EnterpriseFactory.build(tax_code="0100233489")
    with pytest.raises(ValidationError) as exc:
        enterprise.full_clean()
    assert "tax_code" in exc.value.message_dict
    enterprise.tax_code = "01002334a8"
    with pytest.raises(IntegrityError), transaction.atomic():
        enterprise.save()  # the CHECK constraint is the last line of defence
    assert not Enterprise.objects.exists()


def test_tax_code_is_unique(db):
    from ..factories import EnterpriseFactory

    first = EnterpriseFactory(tax_code="0100233488")
    duplicate = EnterpriseFactory.build(tax_code=first.tax_code, district=first.district, sector=first.sector)
    with pytest.raises(ValidationError) as exc:
        duplicate.full_clean()
    assert "tax_code" in exc.value.message_dict
