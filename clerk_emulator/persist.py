"""Small, careful file persistence for the emulator's dev directory.

* Every write goes to a temporary file in the same directory and is moved
  into place with :func:`os.replace`, so a crash never leaves half a file.
* :func:`create_once` publishes a file with :func:`os.link`, which fails if
  the name exists: two processes starting at once agree on one set of
  secrets instead of overwriting each other's.
* :class:`JsonFile` remembers the identity (inode, size, mtime) of what it
  last read or wrote, so a long-running server notices a file changed by
  another process (a CLI seeding users, a second worker) and reloads it;
  :meth:`JsonFile.locked` serialises read-modify-write cycles across
  processes with ``flock`` where the platform has it.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

try:  # POSIX only; elsewhere the in-process lock is all we have.
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

_IGNORE_ALL = "# Local Clerk emulator state: keys and secrets. Never commit.\n*\n"


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (mode 0700) with a ``.gitignore`` that ignores everything in it."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    ignore = path / ".gitignore"
    if not ignore.exists():
        ignore.write_text(_IGNORE_ALL)
    return path


def _write_temp(directory: Path, text: str) -> str:
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".json")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return tmp


def atomic_write_json(path: Path, doc: Any) -> None:
    """Replace ``path`` with ``doc`` as JSON, atomically (temp file + os.replace)."""
    tmp = _write_temp(path.parent, json.dumps(doc, separators=(",", ":")))
    try:
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def create_once(path: Path, doc: Any) -> Any:
    """Write ``doc`` to ``path`` unless it exists; return what ``path`` holds afterwards."""
    if not path.exists():
        tmp = _write_temp(path.parent, json.dumps(doc, indent=2))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process won the race: use its content
        finally:
            os.unlink(tmp)
    return json.loads(path.read_text(encoding="utf-8"))


class JsonFile:
    """One JSON document on disk that knows whether someone else changed it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: tuple[int, int, int] | None = None

    def _current_stamp(self) -> tuple[int, int, int] | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_size, st.st_mtime_ns)

    def changed(self) -> bool:
        """True when the file differs from what this object last read or wrote."""
        return self._current_stamp() != self._stamp

    def read(self) -> Any | None:
        """The document, or None when the file does not exist."""
        try:
            text = self.path.read_text(encoding="utf-8")
            self._stamp = self._current_stamp()
        except FileNotFoundError:
            self._stamp = None
            return None
        return json.loads(text)

    def write(self, doc: Any) -> None:
        atomic_write_json(self.path, doc)
        self._stamp = self._current_stamp()

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold an exclusive inter-process lock for a read-modify-write cycle."""
        if fcntl is None:  # pragma: no cover
            yield
            return
        with open(self.path.with_suffix(".lock"), "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
