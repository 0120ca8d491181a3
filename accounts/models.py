from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .history import UNTRACKED_USER_FIELDS, UserHistoricalRecords
from .scope import Scope


class Role(models.TextChoices):
    DOIT = "doit", _("Department of Industry and Trade staff")
    OFFICER = "officer", _("District economic officer")
    ENTERPRISE = "enterprise", _("Enterprise staff")


class UserQuerySet(models.QuerySet["User"]):
    def visible_to(self, user: User) -> UserQuerySet:
        """Accounts a user may manage (``accounts.scope``); administrators every account."""
        if user.is_authenticated and user.is_active and user.is_superuser:
            return self.all()
        return Scope.of(user).accounts(self)


class PortalUserManager(UserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    pass


class User(AbstractUser):
    """A portal account. Superusers are administrators; everyone else has exactly one role."""

    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, blank=True)
    district = models.ForeignKey(
        "enterprises.District",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="officers",
        verbose_name=_("district"),
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("enterprise"),
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    objects: ClassVar[PortalUserManager] = PortalUserManager()  # type: ignore[assignment]
    history = UserHistoricalRecords(excluded_fields=UNTRACKED_USER_FIELDS)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                name="user_role_scope_consistent",
                condition=(
                    Q(role="doit", district__isnull=True, enterprise__isnull=True)
                    | Q(role="officer", district__isnull=False, enterprise__isnull=True)
                    | Q(role="enterprise", district__isnull=True, enterprise__isnull=False)
                    | Q(role="", is_superuser=True, district__isnull=True, enterprise__isnull=True)
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name or super().get_full_name() or self.username

    def clean(self) -> None:
        super().clean()
        errors: dict[str, Any] = {}
        if self.role == Role.OFFICER:
            if not self.district_id:
                errors["district"] = _("A district officer must have a district.")
            self.enterprise = None
        elif self.role == Role.ENTERPRISE:
            if not self.enterprise_id:
                errors["enterprise"] = _("Enterprise staff must belong to an enterprise.")
            self.district = None
        elif self.role == Role.DOIT:
            self.district = None
            self.enterprise = None
        elif not self.is_superuser:
            errors["role"] = _("Choose a role.")
        else:  # an administrator without a role has no district or enterprise either
            self.district = None
            self.enterprise = None
        if errors:
            raise ValidationError(errors)

    @property
    def is_doit(self) -> bool:
        return self.role == Role.DOIT

    @property
    def is_officer(self) -> bool:
        return self.role == Role.OFFICER

    @property
    def is_enterprise_staff(self) -> bool:
        return self.role == Role.ENTERPRISE

    @property
    def scope(self) -> Scope:
        """The part of the city the user acts for (``accounts.scope``)."""
        return Scope.of(self)

    @property
    def sees_city(self) -> bool:
        """DOIT staff and administrators see the whole city."""
        return self.scope.is_city

    @property
    def requires_second_factor(self) -> bool:
        """DOIT staff and administrators must sign in with a second factor; others may choose to."""
        return self.is_superuser or self.is_staff or self.is_doit

    @property
    def has_second_factor(self) -> bool:
        """Whether the account has a confirmed authenticator (two-step sign-in on)."""
        from .otp import has_confirmed_device

        return has_confirmed_device(self)

    @property
    def role_label(self) -> str:
        if self.role:
            return str(self.get_role_display())
        return str(_("Administrator")) if self.is_superuser else ""


class FormSubmission(models.Model):
    """One submitted form, by the token its page carried (``accounts.submissions``): a second
    submission of the same page (a double click) waits for the first and gets its answer, so a
    form has one effect and one message however often it is clicked. Kept a day."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=32)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished = models.BooleanField(default=False)
    location = models.CharField(max_length=2000, blank=True)
    messages = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("submitted form")
        verbose_name_plural = _("submitted forms")
        constraints = [models.UniqueConstraint(fields=["user", "token"], name="formsubmission_one_per_token")]

    def __str__(self) -> str:
        return self.token
