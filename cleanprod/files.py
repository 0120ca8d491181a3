"""Writing private files (built reports, evidence, imports waiting for confirmation): one helper,
``private_save``, used by every write.

On a local disk the file is written under a temporary name in its final folder (``.tmp-*.part``),
flushed to disk, and only then linked under its final name, so a file under its real name is
always complete; when anything fails (a full disk, a dead worker's exception, a broken upload)
the temporary file is removed and nothing is left behind. A temporary file a killed process
could not remove is deleted by the daily sweep (``cleanprod.housekeeping``). Object storage
(S3-compatible) writes an object whole or not at all, so there the storage's own ``save`` is used.

A full disk (or quota) raises ``StorageFull`` with a readable message in the active language.
"""

from __future__ import annotations

import errno
import os
import tempfile
from typing import IO

from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, default_storage
from django.utils.translation import gettext as _

TEMP_PREFIX = ".tmp-"
TEMP_SUFFIX = ".part"
FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}


class StorageFull(OSError):
    """The private files' volume (or the account's quota) is full: nothing was written."""

    def __init__(self) -> None:
        super().__init__(
            errno.ENOSPC,
            _(
                "The server's file storage is full, so the file was not saved. Nothing was changed; "
                "please try again later or tell the portal's administrators."
            ),
        )

    def __str__(self) -> str:
        return str(self.strerror)


def private_save(
    name: str, content: IO[bytes] | File, *, storage: Storage | None = None, max_length: int | None = None
) -> str:
    """Save ``content`` under ``name`` (or a free variant of it) in private storage, whole or not
    at all; returns the name used. Raises ``StorageFull`` when the volume is full."""
    storage = storage or default_storage
    file = content if isinstance(content, File) else File(content, name=os.path.basename(name))
    try:
        if isinstance(storage, FileSystemStorage):
            return _atomic_save(storage, name, file, max_length=max_length)
        return storage.save(name, file, max_length=max_length)
    except OSError as exc:
        if exc.errno in FULL_ERRNOS and not isinstance(exc, StorageFull):
            raise StorageFull from exc
        raise


def _atomic_save(storage: FileSystemStorage, name: str, file: File, *, max_length: int | None) -> str:
    name = storage.get_available_name(name, max_length=max_length)
    directory = os.path.dirname(storage.path(name))
    os.makedirs(directory, exist_ok=True)
    if storage.directory_permissions_mode is not None:
        os.chmod(directory, storage.directory_permissions_mode)
    fd, temp = tempfile.mkstemp(dir=directory, prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as out:
            if hasattr(file, "seek") and getattr(file, "seekable", lambda: True)():
                file.seek(0)
            for chunk in file.chunks():
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, storage.file_permissions_mode if storage.file_permissions_mode is not None else 0o640)
        while True:
            try:
                os.link(temp, storage.path(name))  # never replaces a file of the same name
                break
            except FileExistsError:
                name = storage.get_available_name(name, max_length=max_length)
    finally:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
    return name.replace("\\", "/")


def is_temporary(name: str) -> bool:
    """A write in progress, or one a killed process left behind."""
    base = os.path.basename(name)
    return base.startswith(TEMP_PREFIX) and base.endswith(TEMP_SUFFIX)
