"""Change history of user accounts.

Role, district, enterprise and active changes are kept like every other tracked model; the
password hash never is. Saves that only touch ``last_login`` (every sign-in) or rehash a
password on sign-in are not changes anyone made and leave no record. A password change or
reset leaves a record marked ``PASSWORD_CHANGED`` (without any value), so the audit shows that
and when it happened.
"""

from __future__ import annotations

import re

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _
from simple_history.models import HistoricalRecords

# Stored in ``history_change_reason``; the audit page shows it translated.
PASSWORD_CHANGED = "password-changed"  # noqa: S105 - a marker, not a password

UNTRACKED_USER_FIELDS = ["password", "last_login"]

# A workflow step is stored as "draft → submitted" (the status codes); it is shown with the
# status labels of the reader's language.
TRANSITION = re.compile(r"^(\w+) → (\w+)$")


def reason_label(reason: str | None, model) -> str:
    """The change reason of a history record as a reader should see it: the password marker and
    the status codes of a transition in words ("Nháp → Đã nộp")."""
    reason = reason or ""
    if reason == PASSWORD_CHANGED:
        return _("Password changed")
    match = TRANSITION.match(reason)
    if match is None or model is None:
        return reason
    try:
        labels = {str(value): str(label) for value, label in model._meta.get_field("status").flatchoices}
    except FieldDoesNotExist:
        return reason
    return " → ".join(labels.get(code, code) for code in match.groups())


class UserHistoricalRecords(HistoricalRecords):
    def post_save(self, instance, created, using=None, **kwargs) -> None:
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and set(update_fields) <= set(UNTRACKED_USER_FIELDS):
            return
        # AbstractBaseUser.save() keeps the new raw password in ``_password`` until after the
        # row is written, i.e. while this post_save handler runs.
        if created or getattr(instance, "_password", None) is None or hasattr(instance, "_change_reason"):
            super().post_save(instance, created, using=using, **kwargs)
            return
        instance._change_reason = PASSWORD_CHANGED
        try:
            super().post_save(instance, created, using=using, **kwargs)
        finally:
            del instance._change_reason
