"""Which files the server may read and create: inside an allowed directory, checked without races.

The allowed directories are a ceiling. Configured ones (--allow-dir, CSM_ALLOWED_DIRS) bound
everything; a client's roots can narrow them, and stand in for them only when nothing is configured,
over stdio, and never as the whole filesystem or a home directory. With neither, no path is read.

A path is refused, with one message whatever the file, unless its real location (symbolic links
resolved) is inside an allowed directory; only then is the file looked at. It is then opened by
walking from the allowed directory's descriptor one component at a time, never following a symbolic
link, so a link or directory swapped in after the check cannot lead the open outside; the opened
descriptor is checked (a regular file under the size cap, still inside the directory) and read.
New files are created the same way, exclusively: nothing is ever overwritten.
"""

from __future__ import annotations

import errno
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from customer_success_mcp.fileio import (
    CREATE_FLAGS,
    NEW_FILE_MODE,
    NOFOLLOW,
    READ_FLAGS,
    FileReadError,
    FileWriteError,
    read_opened,
    write_all,
    write_new_file,
)

DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)
WALKS_BY_DESCRIPTOR = os.open in os.supports_dir_fd and bool(NOFOLLOW)
HOW_TO_ALLOW = (
    "To allow a directory, start the server with --allow-dir DIR (repeatable) or set "
    f"CSM_ALLOWED_DIRS to a list of directories separated by '{os.pathsep}'."
)
LIMIT_HINT = "start the server with --max-file-mb N (or CSM_MAX_FILE_MB) to raise it."


class FileAccessError(PermissionError):
    """A path the server will not read or write; the message says why and how to allow it."""


@dataclass(frozen=True)
class AllowedDirs:
    """The directories files may be read from and created in, and notes on roots that were not used."""

    dirs: tuple[Path, ...]
    notes: tuple[str, ...] = ()

    def describe(self) -> str:
        return ", ".join(str(d) for d in self.dirs) or "(none)"


def roots_to_dirs(uris: list[str]) -> list[Path]:
    """Local directories from the client's root URIs (file:// only)."""
    dirs = []
    for uri in uris:
        parsed = urlparse(uri)
        local = unquote(parsed.path) or "/"
        if parsed.scheme == "file" and "\x00" not in local:
            dirs.append(Path(os.path.realpath(local)))
    return dirs


def too_wide(directory: Path) -> bool:
    """The filesystem root, a directory holding the user's home, or any user's home as a whole (or the
    directory holding the homes)."""
    home = Path(os.path.realpath(Path.home()))
    if directory == Path(directory.anchor) or home.is_relative_to(directory):
        return True
    homes = {Path(os.path.realpath(p)) for p in ("/home", "/Users")}
    if home.parent != Path(home.anchor):
        homes.add(home.parent)
    return directory in homes or directory.parent in homes


def _inside(path: Path, base: Path) -> bool:
    return path == base or path.is_relative_to(base)


def allowed_dirs(configured: tuple[Path, ...], roots: list[Path], use_roots: bool = True) -> AllowedDirs:
    """The ceiling: configured directories, narrowed by the client's roots where they overlap; roots
    alone only when nothing is configured (and `use_roots`, i.e. over stdio), never the root or a home
    directory.

    Roots that overlap no configured directory say nothing about them (Claude Code offers its project
    folder as a root, while the exports sit in the directory the user configured): the configured
    directories then apply as they are. Either way nothing outside them is ever allowed.
    """
    if not use_roots or not roots:
        return AllowedDirs(tuple(configured))
    if configured:
        narrowed = [r for r in roots if any(_inside(r, c) for c in configured)]
        narrowed += [c for c in configured if any(_inside(c, r) and c != r for r in roots)]
        if not narrowed:
            return AllowedDirs(tuple(configured))
        return AllowedDirs(tuple(dict.fromkeys(narrowed)))
    kept = [r for r in roots if not too_wide(r)]
    refused = [r for r in roots if too_wide(r)]
    refusals = tuple(
        f"The client's root {r} was not used: a root may not be the whole filesystem or a home directory "
        "as a whole; offer a project directory instead, or start the server with --allow-dir DIR."
        for r in refused
    )
    return AllowedDirs(tuple(dict.fromkeys(kept)), refusals)


def _refusal(shown: str, allowed: AllowedDirs) -> FileAccessError:
    """The one message for any path outside the allowed directories, whatever is (or is not) there."""
    notes = "".join(" " + n for n in allowed.notes)
    if not allowed.dirs:
        return FileAccessError(
            f"{shown}: no directory is allowed for files. {HOW_TO_ALLOW} (Over stdio, a client that offers "
            f"its roots allows them instead.) Inline `accounts` work without any directory.{notes}"
        )
    return FileAccessError(
        f"{shown} is outside the allowed directories ({allowed.describe()}). {HOW_TO_ALLOW}{notes}"
    )


def _absolute(path_text: str, allowed: AllowedDirs) -> Path:
    """The path as given, made absolute (relative paths are taken in the first allowed directory)."""
    if not isinstance(path_text, str) or not path_text.strip():
        raise FileAccessError("The path is empty; give the path of a file inside an allowed directory.")
    if "\x00" in path_text:
        raise FileAccessError("The path contains a NUL character, which no file name can hold.")
    if not allowed.dirs:
        raise _refusal(path_text, allowed)
    raw = Path(os.path.expanduser(path_text))
    return raw if raw.is_absolute() else allowed.dirs[0] / raw


def _located(raw: Path, shown: str, allowed: AllowedDirs) -> tuple[Path, Path]:
    """(the real path, the allowed directory holding it), or the refusal; nothing is opened."""
    try:
        real = Path(os.path.realpath(raw))
    except (OSError, ValueError):
        raise _refusal(shown, allowed) from None
    bases = [d for d in allowed.dirs if _inside(real, d)]
    if not bases:
        raise _refusal(shown, allowed)
    return real, max(bases, key=lambda d: len(d.parts))


def _real_path_of(fd: int) -> Path | None:
    """Where an open descriptor really is (Linux /proc, macOS F_GETPATH); None where neither exists."""
    if sys.platform.startswith("linux"):
        try:
            return Path(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            return None
    if sys.platform == "darwin":  # pragma: no cover - macOS only
        import fcntl

        try:
            raw = fcntl.fcntl(fd, fcntl.F_GETPATH, b"\0" * 1024)  # type: ignore[attr-defined]
            return Path(os.fsdecode(raw.rstrip(b"\0")))
        except OSError:
            return None
    return None


def _changed(shown: str) -> FileAccessError:
    return FileAccessError(
        f"{shown} changed while it was being opened (a symbolic link or directory was swapped in); "
        "nothing was read or written. Try again once it stays put."
    )


def _open_dir_beneath(base: Path, parts: tuple[str, ...], shown: str) -> int:
    """A descriptor of base/parts..., reached without following any symbolic link below `base`."""
    fd = os.open(base, DIR_FLAGS)
    try:
        for part in parts:
            following = os.open(part, DIR_FLAGS | NOFOLLOW, dir_fd=fd)
            os.close(fd)
            fd = following
    except FileNotFoundError:
        os.close(fd)
        raise FileAccessError(f"{shown}: no such directory.") from None
    except OSError as exc:
        os.close(fd)
        if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
            raise _changed(shown) from None
        raise FileAccessError(f"{shown}: cannot be opened ({exc.strerror}).") from None
    where = _real_path_of(fd)
    if where is not None and not _inside(where, base):
        os.close(fd)
        raise _changed(shown)
    return fd


def _open_for_reading(real: Path, base: Path, shown: str) -> int:
    if not WALKS_BY_DESCRIPTOR:  # pragma: no cover - platforms without openat (Windows)
        fd = os.open(real, READ_FLAGS)
        if os.path.samestat(os.fstat(fd), os.stat(real)) and _inside(Path(os.path.realpath(real)), base):
            return fd
        os.close(fd)
        raise _changed(shown)
    parts = real.relative_to(base).parts
    if not parts:
        return os.open(base, READ_FLAGS)
    dir_fd = _open_dir_beneath(base, parts[:-1], shown)
    try:
        return os.open(parts[-1], READ_FLAGS | NOFOLLOW, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _changed(shown) from None
        raise
    finally:
        os.close(dir_fd)


def read_allowed(path_text: str, allowed: AllowedDirs, max_bytes: int) -> tuple[Path, bytes]:
    """The real path and bytes of a regular file inside an allowed directory, under the size cap."""
    real, base = _located(_absolute(path_text, allowed), path_text, allowed)
    try:
        fd = _open_for_reading(real, base, path_text)
    except FileAccessError:
        raise
    except FileNotFoundError:
        raise FileAccessError(f"{path_text}: no such file.") from None
    except PermissionError:
        raise FileAccessError(f"{path_text}: permission denied.") from None
    except OSError as exc:
        raise FileAccessError(f"{path_text}: cannot be read ({exc.strerror}).") from None
    try:
        return real, read_opened(fd, path_text, max_bytes, LIMIT_HINT)
    except FileReadError as exc:
        raise FileAccessError(str(exc)) from None
    except OSError as exc:
        raise FileAccessError(f"{path_text}: cannot be read ({exc.strerror}).") from None


def write_new(
    path_text: str, allowed: AllowedDirs, data: bytes, suffixes: tuple[str, ...] = (), what: str = "file"
) -> Path:
    """Create a new file inside an allowed directory and write `data` to it; returns its real path.

    The only way the server writes a user-visible file: the parent directory is reached from the allowed
    directory without following any symbolic link, the file is created exclusively (an existing file or
    link is never overwritten), and a failed write leaves nothing behind. `suffixes` (lower case, with
    the dot) are the endings accepted, e.g. (".md",); `what` names the file in messages ("markdown draft").
    """
    raw = _absolute(path_text, allowed)
    name = raw.name
    if name in ("", ".", "..") or path_text.endswith(("/", os.sep)):
        raise FileAccessError(f"{path_text}: give the path of a new file, not a directory.")
    if suffixes and raw.suffix.lower() not in suffixes:
        raise FileAccessError(
            f"{path_text}: a {what} is saved as {' or '.join(suffixes)}; give a path ending so."
        )
    real_parent, base = _located(raw.parent, path_text, allowed)
    if not WALKS_BY_DESCRIPTOR:  # pragma: no cover - platforms without openat (Windows)
        try:
            write_new_file(real_parent / name, data)
        except FileWriteError as exc:
            raise FileAccessError(str(exc)) from None
        return real_parent / name
    dir_fd = _open_dir_beneath(base, real_parent.relative_to(base).parts, path_text)
    try:
        try:
            fd = os.open(name, CREATE_FLAGS, NEW_FILE_MODE, dir_fd=dir_fd)
        except FileExistsError:
            raise FileAccessError(
                f"{path_text} already exists; nothing is overwritten, so choose another name."
            ) from None
        except OSError as exc:
            raise FileAccessError(f"{path_text}: cannot be created ({exc.strerror}).") from None
        try:
            write_all(fd, data, lambda: os.unlink(name, dir_fd=dir_fd), path_text)
        except FileWriteError as exc:
            raise FileAccessError(str(exc)) from None
    finally:
        os.close(dir_fd)
    return real_parent / name
