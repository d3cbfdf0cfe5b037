"""Writing a file all or nothing, never through a link: the one way the app writes a file the
operator or an auditor keeps (reviews, the account snapshot, the drill's copies)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_atomically(path: Path, data: bytes) -> None:
    """A crash or a full disk never leaves a partial file under `path` (OSError is raised and
    nothing is left). The data goes to a new file (`mkstemp`: O_EXCL, 0600) that is renamed over
    `path`: a symbolic link planted at `path` is replaced, not written through."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # the rename itself survives a crash
    finally:
        os.close(dir_fd)
