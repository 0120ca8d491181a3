"""Error pages: 400, 403, 404, 405, 500 and the CSRF failure, in the portal's layout (navigation
for the signed-in user) and language, with a way back; never Django's bare English pages."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

ENGLISH_DEFAULTS = ["Not Found", "403 Forbidden", "Bad Request (400)", "Server Error (500)", "CSRF verification failed"]


def assert_portal_error_page(response, status: int, heading: str, lang: str = "vi") -> str:
    html = response.content.decode()
    assert response.status_code == status
    assert f'<html lang="{lang}">' in html
    assert f'data-status="{status}"' in html
    assert heading in html
    assert 'id="main"' in html and "navbar" in html  # the portal's layout
    for english in ENGLISH_DEFAULTS:
        assert english not in html
    return html


def test_missing_page_is_vietnamese_with_the_navigation_and_a_way_back(login, officer_a):
    client = login(officer_a)
    html = assert_portal_error_page(client.get("/khong-co-trang-nay/"), 404, "Không tìm thấy trang")
    assert reverse("enterprises:list") in html  # the officer's navigation is there
    assert f'href="{reverse("dashboard")}"' in html and "Về trang Tổng quan" in html


def test_missing_page_for_a_visitor_offers_to_sign_in(client):
    html = assert_portal_error_page(client.get("/khong-co-trang-nay/"), 404, "Không tìm thấy trang")
    assert f'href="{reverse("login")}"' in html


def test_out_of_scope_object_answers_the_same_404_page(login, officer_a, enterprise_y):
    response = login(officer_a).get(reverse("enterprises:detail", args=[enterprise_y.pk]))
    html = assert_portal_error_page(response, 404, "Không tìm thấy trang")
    assert enterprise_y.name not in html


def test_refusal_is_vietnamese_and_links_back_to_the_page_before(login, staff_x):
    client = login(staff_x)
    came_from = "http://testserver" + reverse("savings:list")
    response = client.get(reverse("accounts:users"), HTTP_REFERER=came_from)
    html = assert_portal_error_page(response, 403, "Bạn không được dùng trang này")
    assert f'href="{came_from}"' in html and "Quay lại trang trước" in html


def test_back_link_never_points_to_another_site(login, staff_x):
    response = login(staff_x).get(reverse("accounts:users"), HTTP_REFERER="https://evil.example/phish")
    html = assert_portal_error_page(response, 403, "Bạn không được dùng trang này")
    assert "evil.example" not in html


def test_error_page_follows_the_chosen_language(login, staff_x):
    response = login(staff_x, language="en").get(reverse("accounts:users"))
    assert_portal_error_page(response, 403, "You may not use this page", lang="en")


def test_bad_request_page(client, settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    response = client.get("/", HTTP_HOST="not-our-host.example")  # a Host the portal does not serve
    assert_portal_error_page(response, 400, "Không xử lý được yêu cầu")


def test_plain_text_bad_request_gets_the_page_and_keeps_its_message(login, officer_a):
    response = login(officer_a).get(reverse("assessments:create"), {"enterprise": "abc"})  # not an id
    html = assert_portal_error_page(response, 400, "Không xử lý được yêu cầu")
    assert 'data-testid="error-detail">Chọn doanh nghiệp.' in html


def test_get_on_a_post_only_address_gets_the_405_page(login, officer_a):
    response = login(officer_a).get(reverse("logout"))
    assert_portal_error_page(response, 405, "Không thể thực hiện thao tác theo cách này")
    assert "POST" in response["Allow"]


def test_server_error_page(settings, login, officer_a):
    settings.ROOT_URLCONF = "tests.project.error_urls"
    client = login(officer_a)
    client.raise_request_exception = False
    html = assert_portal_error_page(client.get("/broken/"), 500, "Máy chủ đã gặp lỗi")
    assert "a programming error" not in html


def test_expired_form_gets_the_csrf_page_with_a_way_back():
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("login"))  # the cookie is set, but the form's token is missing
    login_url = "http://testserver" + reverse("login")
    response = client.post(reverse("login"), {"username": "x", "password": "y"}, HTTP_REFERER=login_url)
    html = assert_portal_error_page(response, 403, "Biểu mẫu đã hết hạn")
    assert "Quay lại trang trước" in html


def test_form_without_cookie_says_to_allow_cookies():
    response = Client(enforce_csrf_checks=True).post(reverse("login"), {"username": "x"})
    html = assert_portal_error_page(response, 403, "Biểu mẫu đã hết hạn")
    assert "cookie" in html


def test_error_page_answers_even_when_the_layout_cannot_be_drawn(settings, login, officer_a):
    # Production static storage without its manifest: {% static %} fails inside the layout.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    response = login(officer_a).get("/khong-co-trang-nay/")
    html = response.content.decode()
    assert response.status_code == 404
    assert '<html lang="vi">' in html and "Không tìm thấy trang" in html and "Về trang Tổng quan" in html
