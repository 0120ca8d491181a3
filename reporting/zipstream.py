"""A ZIP archive written while it is sent: no file of the batch is held whole in memory or on disk.

``zipfile`` writes to an unseekable stream with data descriptors (sizes and CRC after each
member), which every unzip tool reads; this module hands the bytes on as they are produced.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator
from typing import IO, cast

CHUNK = 256 * 1024


class _Sink:
    """The smallest writable, unseekable stream ``zipfile`` accepts (no ``seek``); ``take``
    empties it."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._written = 0

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        self._written += len(data)
        return len(data)

    def tell(self) -> int:
        return self._written

    def flush(self) -> None:
        return None

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


def stream_zip(members: Iterable[tuple[str, IO[bytes]]]) -> Iterator[bytes]:
    """Yield a ZIP archive of ``members`` (name, open binary file) chunk by chunk; each file is
    closed once copied."""
    sink = _Sink()
    with zipfile.ZipFile(cast(IO[bytes], sink), mode="w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for name, handle in members:
            with handle, archive.open(name, mode="w", force_zip64=True) as entry:
                while chunk := handle.read(CHUNK):
                    entry.write(chunk)
                    if data := sink.take():
                        yield data
            if data := sink.take():
                yield data
    if data := sink.take():
        yield data
