"""Reading and creating files without races: open once, check the descriptor, read or write through it.

A path is opened a single time, non-blocking (so a FIFO cannot hang the open), then the opened
descriptor is checked: a regular file, no larger than the cap. Reading stops at the cap plus one byte,
so a file that grows after the check is still refused and a device such as /dev/zero never reaches
the read. New files are created exclusively (never overwriting, never through a final symbolic link).
The server builds its allowed-directory checks on these (server/files.py); the CLI uses them as is.
"""

from __future__ import annotations

import contextlib
import math
import os
import stat
from collections.abc import Callable
from pathlib import Path

NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
READ_FLAGS = (
    os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)  # fmt: skip
CREATE_FLAGS = (
    os.O_WRONLY | os.O_CREAT | os.O_EXCL | NOFOLLOW | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
)
NEW_FILE_MODE = 0o644
MB = 1024 * 1024


class FileReadError(OSError):
    """A file that cannot be read as asked; the message says why and what to do."""


class FileWriteError(OSError):
    """A file that cannot be created as asked; the message says why and what to do."""


def size_text(count: int) -> str:
    return f"{count:,} bytes"


def megabytes(text: str, what: str = "a size in megabytes") -> float:
    """A positive, finite number of megabytes, or ValueError naming the option."""
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{what} must be a number of megabytes, got {text!r}") from None
    if not math.isfinite(value) or value <= 0 or value > 1024 * 1024:
        raise ValueError(f"{what} must be a positive number of megabytes up to 1048576, got {text!r}")
    return value


def check_path_text(text: str) -> str:
    """A path as given, refused when it cannot name a file (empty, or holding a NUL character)."""
    if not isinstance(text, str) or not text.strip():
        raise FileReadError("The path is empty; give the path of a file.")
    if "\x00" in text:
        raise FileReadError("The path contains a NUL character, which no file name can hold.")
    return text


def read_opened(fd: int, shown: str, max_bytes: int, limit_hint: str) -> bytes:
    """Check an opened descriptor (a regular file under the cap), then read it; closes `fd`."""
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise FileReadError(f"{shown} is not a regular file (it is a directory, pipe or device); give "
                                "the path of a file.")  # fmt: skip
        if info.st_size > max_bytes:
            raise FileReadError(
                f"{shown} is {size_text(info.st_size)}, over the {size_text(max_bytes)} limit; {limit_hint}"
            )
    except BaseException:
        os.close(fd)
        raise
    with os.fdopen(fd, "rb", closefd=True) as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise FileReadError(
            f"{shown} grew past the {size_text(max_bytes)} limit while it was read; {limit_hint}"
        )
    return data


def read_regular_file(path: str | Path, max_bytes: int, limit_hint: str) -> bytes:
    """The bytes of a regular file, opened once and checked through its descriptor (the CLI's reader).

    Symbolic links are followed (the caller names its own files); a FIFO, device or directory is an
    error at once, and so is a file over `max_bytes`."""
    shown = str(path)
    check_path_text(shown)
    try:
        fd = os.open(os.path.expanduser(shown), READ_FLAGS)
    except FileNotFoundError:
        raise FileReadError(f"{shown}: no such file") from None
    except IsADirectoryError:
        raise FileReadError(f"{shown} is a directory, not a portfolio file") from None
    except OSError as exc:
        raise FileReadError(f"{shown}: cannot read: {exc.strerror}") from None
    try:
        return read_opened(fd, shown, max_bytes, limit_hint)
    except FileReadError:
        raise
    except OSError as exc:
        raise FileReadError(f"{shown}: cannot read: {exc.strerror}") from None


def write_new_file(path: str | Path, data: bytes) -> None:
    """Create `path` and write `data`; an existing file (or a symbolic link) is never overwritten."""
    shown = str(path)
    if "\x00" in shown:
        raise FileWriteError("The path contains a NUL character, which no file name can hold.")
    try:
        fd = os.open(shown, CREATE_FLAGS, NEW_FILE_MODE)
    except FileExistsError:
        raise FileWriteError(
            f"{shown} already exists; nothing is overwritten, so choose another name."
        ) from None
    except OSError as exc:
        raise FileWriteError(f"cannot write {shown}: {exc.strerror}") from None
    write_all(fd, data, lambda: os.unlink(shown), shown)


def write_all(fd: int, data: bytes, remove: Callable[[], None], shown: str) -> None:
    """Write everything to a freshly created file and close it; on failure remove the partial file
    (`remove` is called) and report the cause."""
    try:
        with os.fdopen(fd, "wb", closefd=True) as handle:
            handle.write(data)
            handle.flush()
    except OSError as exc:
        with contextlib.suppress(OSError):
            remove()
        raise FileWriteError(f"cannot write {shown}: {exc.strerror}; nothing was kept") from None
