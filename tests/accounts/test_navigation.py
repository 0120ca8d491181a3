import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

TRAINING_URLS = ["training:officers", "training:courses", "training:coverage"]


def nav_links(client) -> str:
    html = client.get("/").content.decode()
    return html[html.index('<nav class="navbar') : html.index("</nav>")]


def test_doit_sees_every_section_with_training_in_one_menu(login, doit_user):
    nav = nav_links(login(doit_user))
    for name in [
        "enterprises:list",
        "assessments:list",
        "savings:list",
        "reporting:list",
        "accounts:users",
        *TRAINING_URLS,
    ]:
        assert f'href="{reverse(name)}"' in nav
    assert nav.count("dropdown-item") >= len(TRAINING_URLS)


def test_officer_sees_their_tools_and_user_management(login, officer_a):
    nav = nav_links(login(officer_a))
    for name in [
        "enterprises:list",
        "assessments:list",
        "savings:list",
        "reporting:list",
        "accounts:users",
        *TRAINING_URLS,
    ]:
        assert f'href="{reverse(name)}"' in nav


def test_enterprise_staff_see_no_training_reports_or_users(login, staff_x):
    nav = nav_links(login(staff_x))
    assert f'href="{reverse("savings:list")}"' in nav
    for name in ["reporting:list", "accounts:users", *TRAINING_URLS]:
        assert f'href="{reverse(name)}"' not in nav
