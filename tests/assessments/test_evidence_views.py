"""Evidence upload and download through the views: content checks, generated storage names,
served only to those who see the report, as an attachment that browsers must not sniff."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments.models import Evidence, SavingsReport
from assessments.services import savings as services
from tests.assessments.test_evidence_checks import jpeg_bytes, pdf_bytes, png_bytes
from tests.factories import SavingsLineFactory, SavingsReportFactory

pytestmark = pytest.mark.django_db
S = SavingsReport.Status
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 500


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(tmp_path)}},
    }
    return tmp_path


@pytest.fixture
def login(login, settings):
    def _login(user):
        client = login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return _login


@pytest.fixture
def draft(enterprise_x) -> SavingsReport:
    report = SavingsReportFactory(enterprise=enterprise_x, year=2023)
    SavingsLineFactory(report=report)
    return report


def upload(client, report, name, content, content_type="application/pdf"):
    return client.post(
        reverse("savings:evidence_upload", args=[report.pk]),
        {"file": SimpleUploadedFile(name, content, content_type=content_type)},
    )


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [("Biên bản đo điện.pdf", pdf_bytes(), "application/pdf"), ("anh.png", png_bytes(), "image/png"),
     ("anh.jpeg", jpeg_bytes(), "image/jpeg")],
)  # fmt: skip
def test_staff_attach_a_real_file_stored_under_a_generated_name(login, staff_x, draft, name, content, kind):
    response = upload(login(staff_x), draft, name, content)
    assert response.status_code == 302
    item = Evidence.objects.get(report=draft)
    assert (item.content_type, item.size, item.uploaded_by) == (kind, len(content), staff_x)
    assert item.original_name == name.replace(".jpeg", ".jpg")
    assert item.file.name.startswith(f"evidence/{draft.pk}/")
    assert "Bi" not in item.file.name and "anh" not in item.file.name  # nothing of the upload's name
    assert default_storage.open(item.file.name).read() == content


def test_renamed_exe_is_refused_and_nothing_is_stored(login, staff_x, draft, private_storage):
    response = upload(login(staff_x), draft, "hoa-don.pdf", EXE)
    assert response.status_code == 400
    assert response.context["evidence_form"].errors["file"][0].startswith("This file is a program")
    assert not Evidence.objects.exists()
    assert not any(p.is_file() for p in private_storage.rglob("*"))


def test_fake_png_is_refused(login, staff_x, draft):
    response = upload(login(staff_x), draft, "anh.png", b"\x89PNG\r\n\x1a\n" + b"not an image" * 20, "image/png")
    assert response.status_code == 400 and "damaged" in response.context["evidence_form"].errors["file"][0]
    assert not Evidence.objects.exists()


def test_oversize_file_is_refused(login, staff_x, draft, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    big = pdf_bytes()
    big = big[:-6] + b" " * 2000 + big[-6:]
    response = upload(login(staff_x), draft, "big.pdf", big)
    assert response.status_code == 400 and "at most" in response.context["evidence_form"].errors["file"][0]
    assert not Evidence.objects.exists()


@pytest.mark.parametrize("role", ["doit_user", "officer_a"])
def test_readers_cannot_attach(request, login, draft, role):
    assert upload(login(request.getfixturevalue(role)), draft, "x.pdf", pdf_bytes()).status_code == 403
    assert not Evidence.objects.exists()


@pytest.mark.parametrize("status", [S.SUBMITTED, S.VERIFIED])
def test_no_attaching_or_removing_once_submitted(login, staff_x, draft, status):
    item = services.evidence_add(report=draft, by=staff_x, upload=SimpleUploadedFile("a.pdf", pdf_bytes()))
    SavingsReport.objects.filter(pk=draft.pk).update(status=status)
    client = login(staff_x)
    assert upload(client, draft, "b.pdf", pdf_bytes()).status_code == 302
    client.post(reverse("savings:evidence_delete", args=[draft.pk, item.pk]))
    assert list(Evidence.objects.values_list("pk", flat=True)) == [item.pk]


def test_staff_remove_a_file_from_a_draft(login, staff_x, draft, private_storage, django_capture_on_commit_callbacks):
    item = services.evidence_add(report=draft, by=staff_x, upload=SimpleUploadedFile("a.pdf", pdf_bytes()))
    path = private_storage / item.file.name
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = login(staff_x).post(reverse("savings:evidence_delete", args=[draft.pk, item.pk]))
    assert response.status_code == 302
    assert not Evidence.objects.exists()
    assert not path.exists()


def test_officer_cannot_remove_evidence(login, staff_x, officer_a, draft):
    item = services.evidence_add(report=draft, by=staff_x, upload=SimpleUploadedFile("a.pdf", pdf_bytes()))
    assert login(officer_a).post(reverse("savings:evidence_delete", args=[draft.pk, item.pk])).status_code == 403
    assert Evidence.objects.filter(pk=item.pk).exists()


@pytest.mark.parametrize("role", ["doit_user", "officer_a", "staff_x"])
def test_download_is_an_attachment_that_is_not_sniffed(request, login, staff_x, draft, role):
    content = pdf_bytes()
    item = services.evidence_add(report=draft, by=staff_x, upload=SimpleUploadedFile("Hóa đơn.pdf", content))
    response = login(request.getfixturevalue(role)).get(reverse("savings:evidence_download", args=[draft.pk, item.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''H%C3%B3a%20%C4%91%C6%A1n.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("role", ["officer_b", "staff_y"])
def test_download_out_of_scope_is_404(request, login, staff_x, draft, role):
    item = services.evidence_add(report=draft, by=staff_x, upload=SimpleUploadedFile("a.pdf", pdf_bytes()))
    url = reverse("savings:evidence_download", args=[draft.pk, item.pk])
    assert login(request.getfixturevalue(role)).get(url).status_code == 404


def test_download_of_a_file_missing_from_storage_is_404(login, staff_x, draft):
    item = services.evidence_add(report=draft, by=staff_x, upload=SimpleUploadedFile("a.pdf", pdf_bytes()))
    default_storage.delete(item.file.name)
    assert login(staff_x).get(reverse("savings:evidence_download", args=[draft.pk, item.pk])).status_code == 404


def test_evidence_count_is_limited(staff_x, draft, settings):
    from django.core.exceptions import ValidationError

    for i in range(services.MAX_EVIDENCE_FILES):
        Evidence.objects.create(report=draft, file=f"evidence/x{i}.pdf", original_name="x.pdf",
                                content_type="application/pdf", size=1)  # fmt: skip
    with pytest.raises(ValidationError):
        services.evidence_add(report=draft, by=staff_x, upload=SimpleUploadedFile("a.pdf", pdf_bytes()))
