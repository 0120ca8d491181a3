"""Training of district officers and enterprise awareness (DESIGN.md §5).

An officer is *in post* on a date when ``tenure_start <= date`` and ``tenure_end`` is empty or
``>= date``: ``tenure_end`` is the officer's last day in post. Officers who leave stay in history.
Coverage of districts (who is trained, which district is at risk) is computed in
``training/selectors.py`` only.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Exists, ExpressionWrapper, F, Max, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.scope import Scope
from enterprises.text import fold

if TYPE_CHECKING:
    from accounts.models import User


class CourseKind(models.TextChoices):
    OFFICER_TRAINING = "officer", _("Officer training")
    ENTERPRISE_AWARENESS = "awareness", _("Enterprise awareness")
    TECHNICAL_WORKSHOP = "workshop", _("Technical workshop")


def counting_training_q(as_of: dt.date, prefix: str = "") -> Q:
    """The one definition of "a training that counts" for coverage: an attendance that was passed,
    of an officer-training course finished on or before ``as_of``. ``prefix`` is the path from the
    queried model to Attendance (e.g. ``"training_officers__attendances__"`` from District)."""
    return Q(
        **{
            f"{prefix}passed": True,
            f"{prefix}course__kind": CourseKind.OFFICER_TRAINING,
            f"{prefix}course__end_date__lte": as_of,
        }
    )


def in_post_q(as_of: dt.date, prefix: str = "") -> Q:
    """Officers in post on ``as_of`` (``prefix`` is the path to Officer)."""
    return Q(**{f"{prefix}tenure_start__lte": as_of}) & (
        Q(**{f"{prefix}tenure_end__isnull": True}) | Q(**{f"{prefix}tenure_end__gte": as_of})
    )


class OfficerQuerySet(models.QuerySet["Officer"]):
    def visible_to(self, user: User) -> OfficerQuerySet:
        """DOIT sees every officer; a district officer those of their district; others none."""
        return Scope.of(user).offices(self, "district")

    def in_post(self, as_of: dt.date) -> OfficerQuerySet:
        return self.filter(in_post_q(as_of))

    def left(self, as_of: dt.date) -> OfficerQuerySet:
        return self.filter(tenure_end__lt=as_of)

    def with_training(self, as_of: dt.date) -> OfficerQuerySet:
        """Annotate ``last_training``: end date of the latest officer-training course the officer
        passed by ``as_of`` (None when never trained)."""
        latest = (
            Attendance.objects.filter(counting_training_q(as_of), officer=OuterRef("pk"))
            .order_by()
            .values("officer")
            .annotate(last=Max("course__end_date"))
            .values("last")
        )
        return self.annotate(last_training=Subquery(latest, output_field=models.DateField()))

    def with_status(self, as_of: dt.date) -> OfficerQuerySet:
        """``with_training`` plus ``in_post_now``: whether the officer is in post on ``as_of``."""
        return self.with_training(as_of).annotate(
            in_post_now=ExpressionWrapper(in_post_q(as_of), output_field=models.BooleanField())
        )

    def trained(self, as_of: dt.date, trained: bool = True) -> OfficerQuerySet:
        exists = Exists(Attendance.objects.filter(counting_training_q(as_of), officer=OuterRef("pk")))
        return self.filter(exists if trained else ~exists)


class Officer(models.Model):
    full_name = models.CharField(_("full name"), max_length=150)
    district = models.ForeignKey(
        "enterprises.District",
        on_delete=models.PROTECT,
        related_name="training_officers",
        verbose_name=_("district"),
    )
    position = models.CharField(_("position"), max_length=150)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    tenure_start = models.DateField(_("in post from"))
    tenure_end = models.DateField(
        _("in post until"), null=True, blank=True, help_text=_("Last day in post; leave empty while in post.")
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="training_officer",
        verbose_name=_("portal account"),
    )
    name_key = models.CharField(max_length=150, editable=False, default="", db_index=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["name_key", "updated_at"])
    objects = OfficerQuerySet.as_manager()

    class Meta:
        ordering = ["full_name", "pk"]
        verbose_name = _("officer")
        verbose_name_plural = _("officers")
        indexes = [models.Index(fields=["district", "name_key"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(tenure_end__isnull=True) | Q(tenure_end__gte=F("tenure_start")),
                name="officer_tenure_end_after_start",
                violation_error_message=_("The end of tenure cannot be before its start."),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs) -> None:
        self.name_key = fold(self.full_name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "name_key"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("training:officer_detail", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        user = self.user if self.user_id else None
        if user is not None and self.district_id:
            if not (user.scope.is_unit and user.scope.covers_office(self.district_id)):
                raise ValidationError(
                    {"user": _("Link an account of a district officer of the same district.")},
                )

    def is_in_post(self, as_of: dt.date) -> bool:
        return self.tenure_start <= as_of and (self.tenure_end is None or self.tenure_end >= as_of)


class CourseQuerySet(models.QuerySet["Course"]):
    def visible_to(self, user: User) -> CourseQuerySet:
        """DOIT sees every course; a district officer the city-wide ones and their district's."""
        return Scope.of(user).offices(self, "district", city_wide=True)


class Course(models.Model):
    Kind = CourseKind

    title = models.CharField(_("title"), max_length=255)
    kind = models.CharField(_("kind"), max_length=12, choices=CourseKind.choices)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    hours = models.DecimalField(
        _("hours"), max_digits=5, decimal_places=1, validators=[MinValueValidator(0.5)], help_text=_("Teaching hours.")
    )
    organiser = models.CharField(_("organiser"), max_length=255)
    venue = models.CharField(_("venue"), max_length=255, blank=True)
    topics = models.TextField(_("topics"), blank=True)
    district = models.ForeignKey(
        "enterprises.District",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="training_courses",
        verbose_name=_("district"),
        help_text=_("Leave empty for a city-wide course."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = CourseQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "title", "pk"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        indexes = [models.Index(fields=["kind", "end_date"]), models.Index(fields=["start_date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="course_end_after_start",
                violation_error_message=_("The course cannot end before it starts."),
            ),
            models.CheckConstraint(condition=Q(hours__gt=0), name="course_hours_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("training:course_detail", args=[self.pk])

    @property
    def is_city_wide(self) -> bool:
        return self.district_id is None

    @property
    def takes_enterprises(self) -> bool:
        """Enterprises take part in awareness courses and technical workshops, not officer training."""
        return self.kind != CourseKind.OFFICER_TRAINING


class AttendanceQuerySet(models.QuerySet["Attendance"]):
    def visible_to(self, user: User) -> AttendanceQuerySet:
        """Attendance of the officers the user may see."""
        return Scope.of(user).offices(self, "officer__district")


class Attendance(models.Model):
    officer = models.ForeignKey(
        Officer, on_delete=models.PROTECT, related_name="attendances", verbose_name=_("officer")
    )
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("course"))
    attended = models.BooleanField(_("attended"), default=True)
    passed = models.BooleanField(_("passed"), default=False)
    certificate_number = models.CharField(_("certificate number"), max_length=40, blank=True, default="")

    history = HistoricalRecords()
    objects = AttendanceQuerySet.as_manager()

    class Meta:
        ordering = ["course", "officer"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(
                fields=["officer", "course"],
                name="attendance_one_per_officer_and_course",
                violation_error_message=_("This officer is already on the course's attendance sheet."),
            ),
            models.UniqueConstraint(
                fields=["certificate_number"],
                condition=~Q(certificate_number=""),
                name="attendance_certificate_number_unique",
                violation_error_code="unique",
                violation_error_message=_("This certificate number is already recorded for another attendance."),
            ),
            models.CheckConstraint(
                condition=Q(passed=False) | Q(attended=True),
                name="attendance_passed_requires_attended",
                violation_error_message=_("An officer who did not attend cannot pass."),
            ),
            models.CheckConstraint(
                condition=Q(certificate_number="") | Q(passed=True),
                name="attendance_certificate_requires_passed",
                violation_error_message=_("A certificate number is only recorded for an officer who passed."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.officer} – {self.course}"

    def clean(self) -> None:
        super().clean()
        self.certificate_number = (self.certificate_number or "").strip()


class EnterpriseParticipationQuerySet(models.QuerySet["EnterpriseParticipation"]):
    def visible_to(self, user: User) -> EnterpriseParticipationQuerySet:
        """Participation of the enterprises the user may see in the training module (DOIT all,
        officers their district's; enterprise staff have no training pages)."""
        scope = Scope.of(user)
        return scope.enterprises(self, "enterprise") if scope.is_office else self.none()


class EnterpriseParticipation(models.Model):
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.PROTECT,
        related_name="training_participations",
        verbose_name=_("enterprise"),
    )
    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="participations", verbose_name=_("course")
    )
    attendees = models.PositiveSmallIntegerField(
        _("attendees"), default=1, validators=[MinValueValidator(1)], help_text=_("People the enterprise sent.")
    )

    history = HistoricalRecords()
    objects = EnterpriseParticipationQuerySet.as_manager()

    class Meta:
        ordering = ["course", "enterprise"]
        verbose_name = _("enterprise participation")
        verbose_name_plural = _("enterprise participation")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "course"],
                name="participation_one_per_enterprise_and_course",
                violation_error_message=_("This enterprise is already listed for the course."),
            ),
            models.CheckConstraint(condition=Q(attendees__gte=1), name="participation_attendees_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} – {self.course}"

    def clean(self) -> None:
        super().clean()
        if self.course_id and not self.course.takes_enterprises:
            raise ValidationError(_("Enterprises take part in awareness courses and workshops, not officer training."))
