import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_officer_signs_in_and_sees_dashboard(sign_in, officer_a):
    page = sign_in(officer_a)
    assert page.locator("h1").first.inner_text()
    assert officer_a.full_name in page.locator("[data-testid=user-menu]").inner_text()
