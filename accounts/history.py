"""Change history of user accounts.

Role, district, enterprise and active changes are kept like every other tracked model; the
password hash never is. Saves that only touch ``last_login`` (every sign-in) or rehash a
password on sign-in are not changes anyone made and leave no record. A password change or
reset leaves a record marked ``PASSWORD_CHANGED`` (without any value), so the audit shows that
and when it happened.
"""

from __future__ import annotations

from simple_history.models import HistoricalRecords

# Stored in ``history_change_reason``; the audit page shows it translated.
PASSWORD_CHANGED = "password-changed"  # noqa: S105 - a marker, not a password

UNTRACKED_USER_FIELDS = ["password", "last_login"]


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
