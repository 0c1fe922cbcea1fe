"""Safe file output and text a person can trust.

:func:`write_bytes_atomic` (and :func:`write_text_atomic`) write every ``-o PATH``:
a regular file, or a new path, is written whole or left as it was (through a
hidden temporary file beside it and an atomic rename); a symbolic link is
followed, so its target is replaced and the link kept; a device or FIFO
(``/dev/stdout``, a named pipe) is written to directly; a directory is refused.
An existing file keeps its permissions; a new one gets the usual ones (the
umask applies).

:func:`printable` shows control and bidirectional-override characters as
visible escapes, so one value prints as one honest line.
"""

from __future__ import annotations

import os
import re
import secrets
import stat
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import OutputError

__all__ = ["write_text_atomic", "write_bytes_atomic", "write_chunks_atomic", "replacing",
           "printable", "fit_width"]

_STALE_AFTER = 3600.0
"""Seconds after which a leftover temporary file is removed even if its writer may live."""

_TMP_MIDDLE = re.compile(r"^(?:(?P<pid>[0-9]+)\.[0-9a-f]{8}|[a-z0-9_]{8})$")
"""The part between '.NAME.' and '.tmp': 'PID.RANDOM' (and mkstemp's 8 characters,
used before the writer's process id was part of the name)."""


def _alive(pid: int) -> bool:
    if os.name != "posix":  # os.kill would terminate the process on Windows
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. EPERM: it exists, run by someone else
        return True
    return True


def _remove_stale(directory: Path, name: str) -> None:
    """Remove the temporary files a killed writer of ``name`` left in ``directory``."""
    head, tail = f".{name}.", ".tmp"
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return
    now = time.time()
    for entry in entries:
        if not (entry.name.startswith(head) and entry.name.endswith(tail)):
            continue
        m = _TMP_MIDDLE.match(entry.name[len(head):-len(tail)])
        if m is None:
            continue
        try:
            st = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(st.st_mode):
                continue
            pid = m.group("pid")
            dead = pid is not None and int(pid) != os.getpid() and not _alive(int(pid))
            if dead or now - st.st_mtime > _STALE_AFTER:
                os.unlink(entry.path)
        except (OSError, ValueError):
            continue


def _create_temporary(directory: Path, name: str) -> tuple[int, str]:
    """Create a new hidden file beside the target; the umask applies to its mode."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    while True:
        tmp = os.path.join(directory, f".{name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:  # pragma: no cover - 32 random bits
            continue


def _fail(path: Path, e: OSError) -> OutputError:
    return OutputError(f"cannot write {path}: {e.strerror or e}. "
                       "Check the path and its permissions.")


def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` safely (see the module docstring for what each kind gets).

    Raises
    ------
    OutputError
        When ``path`` is a directory, its directory does not exist, or it
        cannot be written (one line, with the fix).
    """
    write_chunks_atomic(path, [data])


def _put(fh: Any, chunk: bytes | os.PathLike[str]) -> None:
    """Write a chunk: bytes, or the whole content of a file (copied by the kernel, not
    read through this process, where the system can)."""
    if isinstance(chunk, (bytes, bytearray, memoryview)):
        fh.write(chunk)
        return
    fh.flush()
    with open(chunk, "rb") as src:
        size = os.fstat(src.fileno()).st_size
        done = 0
        copy = getattr(os, "copy_file_range", None)
        while copy is not None and done < size:
            try:
                n = copy(src.fileno(), fh.fileno(), size - done)
            except OSError:  # not between these file systems: copy by reading
                break
            if n == 0:
                break
            done += n
        src.seek(done)
        fh.seek(0, os.SEEK_END)
        while block := src.read(1 << 20):
            fh.write(block)


def write_chunks_atomic(path: str | Path, chunks: Iterable[bytes | os.PathLike[str]]) -> None:
    """Write ``chunks`` to ``path`` as they come, as safely as :func:`write_bytes_atomic`:
    a large export streams to the file without being held in memory first. A chunk
    may also be a file (a path): its content is appended.

    Raises
    ------
    OutputError
        When ``path`` is a directory, its directory does not exist, or it
        cannot be written (one line, with the fix).
    """
    path = Path(path)
    target = Path(os.path.realpath(path))  # follow symbolic links: keep the link
    try:
        st: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        st = None
    except OSError as e:
        raise _fail(path, e) from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise OutputError(f"cannot write {path}: it is a directory. Name a file inside it "
                          f"instead, e.g. {os.path.join(path, 'FILE')}.")
    if st is not None and not stat.S_ISREG(st.st_mode):  # a device, FIFO ...: no rename
        try:
            with open(target, "wb") as fh:
                for chunk in chunks:
                    _put(fh, chunk)
        except OSError as e:
            raise _fail(path, e) from None
        return
    try:
        with replacing(path) as tmp:
            with open(tmp, "wb") as fh:
                for chunk in chunks:
                    _put(fh, chunk)
                fh.flush()
                os.fsync(fh.fileno())
            if st is not None:  # keep the mode (and, where allowed, the owner) of the file
                os.chmod(tmp, stat.S_IMODE(st.st_mode))
                if hasattr(os, "chown") and (st.st_uid, st.st_gid) != (os.getuid(), os.getgid()):
                    try:
                        os.chown(tmp, st.st_uid, st.st_gid)
                    except OSError:
                        pass
    except OSError as e:
        raise _fail(path, e) from None


@contextmanager
def replacing(path: str | Path) -> Iterator[Path]:
    """A new hidden file beside ``path`` (links followed) that replaces it atomically
    when the block ends without an error, and is removed when it does not.

    Temporary files a killed writer left beside ``path`` are removed first.

    Raises
    ------
    OutputError
        When the directory of ``path`` does not exist.
    """
    path = Path(path)
    target = Path(os.path.realpath(path))
    directory = target.parent
    if not directory.is_dir():
        shown = path.parent if str(path.parent) else Path(".")
        raise OutputError(f"cannot write {path}: directory {shown} does not exist. "
                          "Create it first or choose another output path.")
    _remove_stale(directory, target.name)
    fd, tmp = _create_temporary(directory, target.name)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write UTF-8 ``text`` to ``path`` safely (see :func:`write_bytes_atomic`)."""
    write_bytes_atomic(path, text.encode("utf-8"))


_ESCAPES: dict[int, str] = {
    c: f"\\u{c:04x}"
    for c in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0),  # C0, DEL, C1 controls
              0x061C, 0x200E, 0x200F,  # bidi marks: Arabic letter mark, LRM, RLM
              *range(0x202A, 0x202F),  # LRE, RLE, PDF, LRO, RLO
              *range(0x2066, 0x206A),  # LRI, RLI, FSI, PDI
              0x2028, 0x2029]  # line and paragraph separators
}
_ESCAPES.update({0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"})


def printable(text: str) -> str:
    r"""``text`` with control and bidi characters shown as visible escapes.

    A newline or carriage return could fake a line of output, an ESC could
    drive the terminal, and a bidi override (U+202E ...) could show text in
    another order than it is stored. Each becomes an escape (``\n``, ``\r``,
    ``\t``, ``\u001b``, ``\u202e`` ...); all other text (CJK, accents, emoji)
    is kept, and so are backslashes.

    >>> print(printable("Vicuna\nFAKE: ok"))
    Vicuna\nFAKE: ok
    >>> print(printable("evil\u202egpj.exe"))
    evil\u202egpj.exe
    >>> print(printable("\x1b[31mred\x1b[0m\ttab\r"))
    \u001b[31mred\u001b[0m\ttab\r
    >>> printable("羊驼 Alpaca-7B (café) C:\\models")
    '羊驼 Alpaca-7B (café) C:\\models'
    """
    return text.translate(_ESCAPES)


def fit_width(line: str, width: int) -> str:
    """``line`` cut to ``width`` terminal columns, ending in '…' when cut.

    Wide characters (Chinese, most emoji) take two columns.

    >>> fit_width("Vicuna-13B  (model; 2023-03-30; LMSYS)", 20)
    'Vicuna-13B  (model;…'
    >>> fit_width("小羊驼 Vicuna", 6)
    '小羊…'
    >>> fit_width("short", 20)
    'short'
    """
    import unicodedata

    def cols(ch: str) -> int:
        return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1

    if width < 2 or sum(map(cols, line)) <= width:
        return line
    used = 0
    for i, ch in enumerate(line):
        used += cols(ch)
        if used > width - 1:  # one column is left for the '…'
            return line[:i] + "…"
    return line
