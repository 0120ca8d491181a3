"""Accounts: role/scope consistency, sign-in pages in Vietnamese, lockout after failed logins,
user management in the portal (set-password e-mails, scope), language switch."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from accounts.models import Role, User

from ..factories import EnterpriseFactory, OfficerFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Mat-khau-thu-2026"
LOGIN = reverse("login")
USERS = reverse("accounts:users")
USER_CREATE = reverse("accounts:user_create")


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def user_edit(user) -> str:
    return reverse("accounts:user_edit", args=[user.pk])


def html_lang(response) -> str:
    match = re.search(r'<html lang="([^"]+)"', response.content.decode())
    assert match, "no <html lang> in the page"
    return match.group(1)


# --- Role and scope consistency -------------------------------------------------------------


def test_officer_needs_a_commune(db):
    user = User(username="o", email="o@example.vn", role=Role.OFFICER)
    with pytest.raises(ValidationError) as exc:
        user.full_clean()
    assert "commune" in exc.value.message_dict


def test_enterprise_staff_need_an_enterprise(db):
    user = User(username="e", email="e@example.vn", role=Role.ENTERPRISE)
    with pytest.raises(ValidationError) as exc:
        user.full_clean()
    assert "enterprise" in exc.value.message_dict


def test_a_plain_user_needs_a_role(db):
    user = User(username="n", email="n@example.vn", role="")
    with pytest.raises(ValidationError) as exc:
        user.full_clean()
    assert "role" in exc.value.message_dict


def test_clean_drops_scope_that_does_not_belong_to_the_role(district_a, enterprise_x):
    officer = User(username="o", role=Role.OFFICER, district=district_a, enterprise=enterprise_x, password="x")
    officer.full_clean()
    assert officer.enterprise is None and officer.district == district_a
    staff = User(username="s", role=Role.ENTERPRISE, district=district_a, enterprise=enterprise_x, password="x")
    staff.full_clean()
    assert staff.district is None and staff.enterprise == enterprise_x
    doit = User(username="d", role=Role.DOIT, district=district_a, enterprise=enterprise_x, password="x")
    doit.full_clean()
    assert doit.district is None and doit.enterprise is None
    admin = User(username="a", role="", is_superuser=True, district=district_a, password="x")
    admin.full_clean()
    assert admin.district is None and admin.enterprise is None
    admin.save()  # and the database agrees


@pytest.mark.parametrize(
    "fields",
    [
        {"role": Role.OFFICER},
        {"role": Role.OFFICER, "district": "A", "enterprise": "X"},
        {"role": Role.ENTERPRISE},
        {"role": Role.ENTERPRISE, "district": "A", "enterprise": "X"},
        {"role": Role.DOIT, "district": "A"},
        {"role": Role.DOIT, "enterprise": "X"},
        {"role": ""},
        {"role": "", "is_superuser": True, "district": "A"},
    ],
)
def test_database_refuses_inconsistent_role_and_scope(district_a, enterprise_x, fields):
    fields = dict(fields)
    if fields.pop("district", None):
        fields["district"] = district_a
    if fields.pop("enterprise", None):
        fields["enterprise"] = enterprise_x
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="inconsistent", **fields)
    assert not User.objects.filter(username="inconsistent").exists()


def test_consistent_roles_are_stored(district_a, enterprise_x):
    User.objects.create(username="d", role=Role.DOIT)
    User.objects.create(username="o", role=Role.OFFICER, district=district_a)
    User.objects.create(username="s", role=Role.ENTERPRISE, enterprise=enterprise_x)
    User.objects.create_superuser(username="admin", email="admin@example.vn", password=PASSWORD)
    assert User.objects.count() == 4


def test_role_properties(doit_user, officer_a, staff_x):
    assert doit_user.is_doit and doit_user.sees_city and not doit_user.is_officer
    assert officer_a.is_officer and not officer_a.sees_city
    assert staff_x.is_enterprise_staff and not staff_x.sees_city
    admin = User.objects.create_superuser(username="admin", email="admin@example.vn", password=PASSWORD)
    assert admin.sees_city and admin.role_label


# --- Sign-in pages, in Vietnamese -----------------------------------------------------------


def test_login_page_is_in_vietnamese_by_default(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert html_lang(response) == "vi"
    assert "Mật khẩu" in response.content.decode()  # Django's own Vietnamese label


def test_login_with_the_form_and_logout(client, officer_a):
    response = client.post(LOGIN, {"username": officer_a.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    assert client.get("/").status_code == 200
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert client.get("/").status_code == 302


def test_failed_login_says_so_in_vietnamese_and_keeps_the_username(client, officer_a):
    response = client.post(LOGIN, {"username": officer_a.username, "password": "wrong-password"})
    assert response.status_code == 200
    assert html_lang(response) == "vi"
    assert response.context["form"].errors
    assert officer_a.username in response.content.decode()


def test_login_honours_next_but_not_another_site(client, officer_a):
    enterprises = reverse("enterprises:list")
    response = client.post(
        f"{LOGIN}?next={enterprises}", {"username": officer_a.username, "password": PASSWORD, "next": enterprises}
    )
    assert response["Location"] == enterprises
    client.post(reverse("logout"))
    response = client.post(
        LOGIN, {"username": officer_a.username, "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("dashboard")


def test_deactivated_user_cannot_sign_in(client, officer_a):
    officer_a.is_active = False
    officer_a.save()
    response = client.post(LOGIN, {"username": officer_a.username, "password": PASSWORD})
    assert response.status_code == 200
    assert client.get("/").status_code == 302


def test_password_change_in_vietnamese(login, officer_a):
    client = login(officer_a)
    response = client.get(reverse("password_change"))
    assert response.status_code == 200
    assert html_lang(response) == "vi"
    assert "Mật khẩu cũ" in response.content.decode()
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "Mot-mat-khau-moi-2027", "new_password2": "Mot-mat-khau-moi-2027"},
    )
    assert response.status_code == 302
    done = client.get(response["Location"])
    assert done.status_code == 200 and html_lang(done) == "vi"
    officer_a.refresh_from_db()
    assert officer_a.check_password("Mot-mat-khau-moi-2027")


def test_password_change_refuses_wrong_old_password(login, officer_a):
    client = login(officer_a)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "nope-nope-nope",
            "new_password1": "Mot-mat-khau-moi-2027",
            "new_password2": "Mot-mat-khau-moi-2027",
        },
    )
    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors
    officer_a.refresh_from_db()
    assert officer_a.check_password(PASSWORD)


def test_password_change_needs_login(client):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_language_switch_renders_english(client, officer_a):
    client.post(LOGIN, {"username": officer_a.username, "password": PASSWORD})
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("password_change")})
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert html_lang(page) == "en"
    html = page.content.decode()
    assert "Old password" in html and "Mật khẩu cũ" not in html
    client.post(reverse("set_language"), {"language": "vi", "next": "/"})
    assert html_lang(client.get(reverse("password_change"))) == "vi"


def test_language_switch_is_offered_on_every_page(client, login, officer_a):
    for response in (client.get(LOGIN), login(officer_a).get("/")):
        html = response.content.decode()
        assert f'action="{reverse("set_language")}"' in html
        assert 'name="language"' in html


def test_navbar_shows_name_role_and_only_allowed_items(login, officer_a, staff_x, doit_user):
    html = login(officer_a).get("/").content.decode()
    assert officer_a.full_name in html and str(officer_a.role_label) in html
    assert f'href="{USERS}"' in html
    staff_html = login(staff_x).get("/").content.decode()
    assert staff_x.full_name in staff_html
    assert f'href="{USERS}"' not in staff_html


# --- Lockout (django-axes) ------------------------------------------------------------------


def test_five_failed_logins_lock_username_and_address(officer_a, officer_b):
    client = Client(REMOTE_ADDR="203.0.113.7")
    for attempt in range(1, 5):
        response = client.post(LOGIN, {"username": officer_a.username, "password": f"wrong-{attempt}"})
        assert response.status_code == 200, attempt  # the login form again, with its error
    response = client.post(LOGIN, {"username": officer_a.username, "password": "wrong-5"})
    assert response.status_code == 429
    assert "accounts/locked_out.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert 'data-testid="locked-out"' in html
    assert html_lang(response) == "vi"
    assert re.search(r"\b30\b", html) and re.search(r"\b5\b", html)  # minutes and attempts, from the settings
    # even the right password is refused now, from that address
    response = client.post(LOGIN, {"username": officer_a.username, "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.filter(username=officer_a.username, ip_address="203.0.113.7").exists()
    # the same account from another address, and another account from this one, still sign in
    elsewhere = Client(REMOTE_ADDR="198.51.100.20")
    assert elsewhere.post(LOGIN, {"username": officer_a.username, "password": PASSWORD}).status_code == 302
    assert client.post(LOGIN, {"username": officer_b.username, "password": PASSWORD}).status_code == 302


def test_lockout_ends_after_thirty_minutes(officer_a):
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 30 * 60
    client = Client(REMOTE_ADDR="203.0.113.8")
    for attempt in range(5):
        client.post(LOGIN, {"username": officer_a.username, "password": f"wrong-{attempt}"})
    assert client.post(LOGIN, {"username": officer_a.username, "password": PASSWORD}).status_code == 429
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time.replace(year=2000))
    assert client.post(LOGIN, {"username": officer_a.username, "password": PASSWORD}).status_code == 302


def test_success_before_the_limit_resets_the_count(officer_a):
    client = Client(REMOTE_ADDR="203.0.113.9")
    for attempt in range(4):
        client.post(LOGIN, {"username": officer_a.username, "password": f"wrong-{attempt}"})
    assert client.post(LOGIN, {"username": officer_a.username, "password": PASSWORD}).status_code == 302
    client.post(reverse("logout"))
    for attempt in range(4):
        assert client.post(LOGIN, {"username": officer_a.username, "password": f"again-{attempt}"}).status_code == 200


# --- User management ------------------------------------------------------------------------


def new_account(**overrides) -> dict:
    data = {
        "username": "new.user",
        "full_name": "Đỗ Thị Mới",
        "email": "new.user@example.vn",
        "phone": "0912000111",
        "role": Role.ENTERPRISE,
        "district": "",
        "enterprise": "",
    }
    data.update(overrides)
    return data


def set_password_link(message) -> str:
    match = re.search(r"https?://\S+/accounts/password/set/\S+/", message.body)
    assert match, message.body
    return urlsplit(match.group(0)).path


def test_doit_creates_an_officer_who_sets_a_password_from_the_email(
    login, doit_user, commune_b, django_capture_on_commit_callbacks
):
    client = login(doit_user)
    data = new_account(username="canbo.moi", email="canbo.moi@example.vn", role=Role.OFFICER, commune=commune_b.pk)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(USER_CREATE, data)
    assert response.status_code == 302 and response["Location"] == USERS
    officer = User.objects.get(username="canbo.moi")
    assert officer.role == Role.OFFICER and officer.commune == commune_b and officer.enterprise is None
    assert not officer.has_usable_password()  # nobody typed a password for them
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["canbo.moi@example.vn"]
    assert "canbo.moi" in message.body
    # the owner follows the link and chooses a password
    owner = Client()
    response = owner.get(set_password_link(message), follow=True)
    assert response.status_code == 200
    assert response.context["validlink"]
    form_url = response.redirect_chain[-1][0]
    response = owner.post(form_url, {"new_password1": "Cay-bang-lang-2026", "new_password2": "Cay-bang-lang-2026"})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_complete")
    officer.refresh_from_db()
    assert officer.check_password("Cay-bang-lang-2026")
    assert owner.post(LOGIN, {"username": "canbo.moi", "password": "Cay-bang-lang-2026"}).status_code == 302
    # the link works once
    again = Client().get(set_password_link(message), follow=True)
    assert not again.context["validlink"]


def test_doit_creates_an_enterprise_account_by_tax_code(
    login, doit_user, enterprise_y, django_capture_on_commit_callbacks
):
    client = login(doit_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(USER_CREATE, new_account(enterprise=enterprise_y.tax_code))
    assert response.status_code == 302
    staff = User.objects.get(username="new.user")
    assert staff.role == Role.ENTERPRISE and staff.enterprise == enterprise_y and staff.district is None
    assert [m.to for m in mail.outbox] == [["new.user@example.vn"]]
    assert set_password_link(mail.outbox[0])


def test_create_form_error_sends_nothing_and_keeps_input(login, doit_user, django_capture_on_commit_callbacks):
    client = login(doit_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(USER_CREATE, new_account(role=Role.OFFICER, commune=""))
    assert response.status_code == 200
    assert "commune" in response.context["form"].errors
    assert "Đỗ Thị Mới" in response.content.decode()
    assert not User.objects.filter(username="new.user").exists()
    assert mail.outbox == []


def test_duplicate_email_is_refused(login, doit_user, officer_a, enterprise_x):
    response = login(doit_user).post(
        USER_CREATE, new_account(email=officer_a.email.upper(), enterprise=enterprise_x.tax_code)
    )
    assert "email" in response.context["form"].errors
    assert not User.objects.filter(username="new.user").exists()


def test_doit_cannot_create_doit_or_admin_accounts(login, doit_user):
    response = login(doit_user).post(USER_CREATE, new_account(role=Role.DOIT))
    assert "role" in response.context["form"].errors
    assert not User.objects.filter(username="new.user").exists()


def test_officer_creates_staff_for_an_enterprise_of_own_district(
    login, officer_a, enterprise_x, django_capture_on_commit_callbacks
):
    client = login(officer_a)
    assert client.get(USER_CREATE).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(USER_CREATE, new_account(enterprise=enterprise_x.tax_code))
    assert response.status_code == 302
    assert User.objects.get(username="new.user").enterprise == enterprise_x
    assert len(mail.outbox) == 1


def test_officer_cannot_create_staff_for_another_district(
    login, officer_a, enterprise_y, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = login(officer_a).post(USER_CREATE, new_account(enterprise=enterprise_y.tax_code))
    assert response.status_code == 200
    assert "enterprise" in response.context["form"].errors
    assert not User.objects.filter(username="new.user").exists()
    assert mail.outbox == []


def test_officer_cannot_create_officers(login, officer_a, district_a):
    response = login(officer_a).post(USER_CREATE, new_account(role=Role.OFFICER, district=district_a.pk))
    assert response.status_code == 200
    assert "role" in response.context["form"].errors
    assert not User.objects.filter(username="new.user").exists()


def test_user_list_scope(login, doit_user, officer_a, officer_b, staff_x, staff_y):
    doit_list = {u.username for u in login(doit_user).get(USERS).context["page"]}
    assert doit_list == {"officer.a", "officer.b", "staff.x", "staff.y"}
    officer_list = {u.username for u in login(officer_a).get(USERS).context["page"]}
    assert officer_list == {"staff.x"}


@pytest.mark.parametrize(
    ("who", "target", "expected"),
    [
        ("doit", "officer_a", 200),
        ("doit", "staff_y", 200),
        ("doit", "doit_other", 404),
        ("officer_a", "staff_x", 200),
        ("officer_a", "staff_y", 404),
        ("officer_a", "officer_b", 404),
        ("officer_a", "officer_a", 404),
        ("officer_b", "staff_x", 404),
    ],
)
def test_user_edit_scope(login, doit_user, officer_a, officer_b, staff_x, staff_y, who, target, expected):
    people = {"doit": doit_user, "officer_a": officer_a, "officer_b": officer_b, "staff_x": staff_x, "staff_y": staff_y}
    people["doit_other"] = UserFactory(username="doit.other")
    client = login(people[who])
    url = user_edit(people[target])
    assert client.get(url).status_code == expected
    response = client.post(
        url, {"username": "renamed", "full_name": "X", "email": "renamed@example.vn", "role": Role.ENTERPRISE}
    )
    if expected == 404:
        assert response.status_code == 404
        assert not User.objects.filter(username="renamed").exists()
    send_link = client.post(reverse("accounts:user_send_link", args=[people[target].pk]))
    assert send_link.status_code == (302 if expected == 200 else 404)


@pytest.mark.parametrize("who", ["staff_x", "staff_y"])
def test_enterprise_staff_get_403_on_user_pages(login, staff_x, staff_y, who):
    client = login({"staff_x": staff_x, "staff_y": staff_y}[who])
    assert client.get(USERS).status_code == 403
    assert client.get(USER_CREATE).status_code == 403
    assert client.post(USER_CREATE, new_account(enterprise=staff_x.enterprise.tax_code)).status_code == 403
    assert client.get(user_edit(staff_x)).status_code == 403
    assert not User.objects.filter(username="new.user").exists()


def test_anonymous_user_pages_redirect_to_login(client, staff_x):
    for url in (USERS, USER_CREATE, user_edit(staff_x)):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def edit_data(user, **overrides) -> dict:
    data = {
        "username": user.username,
        "full_name": user.full_name,
        "email": user.email,
        "phone": user.phone,
        "role": user.role,
        "district": user.district_id or "",
        "enterprise": user.enterprise.tax_code if user.enterprise else "",
        "is_active": "on" if user.is_active else "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v != "" or k in ("district", "enterprise")}


def test_doit_deactivates_an_account(login, doit_user, officer_a):
    client = login(doit_user)
    data = edit_data(officer_a)
    del data["is_active"]
    response = client.post(user_edit(officer_a), data)
    assert response.status_code == 302
    officer_a.refresh_from_db()
    assert not officer_a.is_active
    assert Client().post(LOGIN, {"username": officer_a.username, "password": PASSWORD}).status_code == 200
    listed = {u.username: u.is_active for u in client.get(USERS).context["page"]}
    assert listed[officer_a.username] is False


def test_deactivated_user_loses_the_open_session(login, doit_user, officer_a):
    officer_client = login(officer_a)
    assert officer_client.get("/").status_code == 200
    data = edit_data(officer_a)
    del data["is_active"]
    login(doit_user).post(user_edit(officer_a), data)
    assert officer_client.get("/").status_code == 302


def test_edit_form_shows_the_enterprise_tax_code_and_saves_unchanged(login, doit_user, officer_a, staff_x):
    for actor in (doit_user, officer_a):
        client = login(actor)
        form = client.get(user_edit(staff_x)).context["form"]
        assert form["enterprise"].value() == staff_x.enterprise.tax_code
        assert f'value="{staff_x.enterprise.tax_code}"' in client.get(user_edit(staff_x)).content.decode()
        response = client.post(user_edit(staff_x), edit_data(staff_x, phone="0988777666"))
        assert response.status_code == 302, response.context["form"].errors
        staff_x.refresh_from_db()
        assert staff_x.phone == "0988777666" and staff_x.enterprise.tax_code


def test_officer_cannot_move_staff_to_another_district(login, officer_a, staff_x, enterprise_y):
    response = login(officer_a).post(user_edit(staff_x), edit_data(staff_x, enterprise=enterprise_y.tax_code))
    assert response.status_code == 200
    assert "enterprise" in response.context["form"].errors
    staff_x.refresh_from_db()
    assert staff_x.enterprise != enterprise_y


def test_officer_cannot_turn_staff_into_an_officer(login, officer_a, staff_x, district_a):
    response = login(officer_a).post(user_edit(staff_x), edit_data(staff_x, role=Role.OFFICER, district=district_a.pk))
    assert response.status_code == 200
    staff_x.refresh_from_db()
    assert staff_x.role == Role.ENTERPRISE


def test_doit_sends_a_new_link(login, doit_user, staff_x):
    response = login(doit_user).post(reverse("accounts:user_send_link", args=[staff_x.pk]))
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [[staff_x.email]]
    path = set_password_link(mail.outbox[0])
    assert Client().get(path, follow=True).context["validlink"]


def test_user_list_query_count_does_not_grow(
    login, doit_user, district_a, django_assert_max_num_queries, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(doit_user)
    for i in range(5):
        OfficerFactory(username=f"o{i}", district=district_a)
    for i in range(5):
        UserFactory(username=f"s{i}", role=Role.ENTERPRISE, enterprise=EnterpriseFactory())
    client.get(USERS)
    with CaptureQueriesContext(connection) as small:
        client.get(USERS)
    with django_assert_max_num_queries(10):
        client.get(USERS)
    for i in range(5, 60):
        UserFactory(username=f"s{i}", role=Role.ENTERPRISE, enterprise=EnterpriseFactory())
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(USERS)
    assert len(response.context["page"]) == 25


# --- Administration -------------------------------------------------------------------------


def test_admin_adds_a_user_with_a_role_and_is_told_when_it_is_missing(client, district_a):
    admin = User.objects.create_superuser(username="root", email="root@example.vn", password=PASSWORD)
    client.force_login(admin)
    url = reverse("admin:accounts_user_add")
    assert client.get(url).status_code == 200
    data = {
        "username": "newbie",
        "password1": "Cay-bang-lang-2026",
        "password2": "Cay-bang-lang-2026",
        "usable_password": "true",
    }
    response = client.post(url, data)
    assert response.status_code == 200  # the form again, with the error next to the role
    assert "role" in response.context["adminform"].form.errors
    response = client.post(url, {**data, "role": Role.OFFICER, "district": district_a.pk, "full_name": "Cán bộ Mới"})
    assert response.status_code == 302
    assert User.objects.get(username="newbie").district == district_a


def test_staff_of_a_closed_enterprise_can_still_be_deactivated(login, doit_user, staff_x, enterprise_x):
    enterprise_x.active = False
    enterprise_x.save()
    data = edit_data(staff_x)
    del data["is_active"]
    response = login(doit_user).post(user_edit(staff_x), data)
    assert response.status_code == 302, response.context["form"].errors
    staff_x.refresh_from_db()
    assert not staff_x.is_active
    # but no new account is opened for a closed enterprise
    response = login(doit_user).post(USER_CREATE, new_account(enterprise=enterprise_x.tax_code))
    assert "enterprise" in response.context["form"].errors
