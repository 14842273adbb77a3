"""Which files the server may read: inside an allowed directory, after resolving symlinks."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from urllib.parse import unquote, urlparse


class FileAccessError(PermissionError):
    """A path the server will not read; the message says why and how to allow it."""


def roots_to_dirs(uris: list[str]) -> list[Path]:
    """Local directories from the client's root URIs (file:// only)."""
    dirs = []
    for uri in uris:
        parsed = urlparse(uri)
        if parsed.scheme == "file":
            dirs.append(Path(unquote(parsed.path)).resolve())
    return dirs


def _describe_allowed(allowed: list[Path]) -> str:
    return ", ".join(str(d) for d in allowed) or "(none)"


HOW_TO_ALLOW = (
    "To allow another directory, start the server with --allow-dir DIR (repeatable) or set "
    f"CSM_ALLOWED_DIRS to a list of directories separated by '{os.pathsep}'."
)


def _size(count: int) -> str:
    return f"{count:,} bytes"


def checked_file(path_text: str, allowed: list[Path], max_bytes: int) -> Path:
    """The resolved path of a regular, readable file inside an allowed directory, under the size cap."""
    raw = Path(path_text).expanduser()
    if not raw.is_absolute():
        raw = (allowed[0] if allowed else Path.cwd()) / raw
    try:
        resolved = raw.resolve(strict=True)
    except FileNotFoundError:
        raise FileAccessError(f"{raw}: no such file.") from None
    except (OSError, RuntimeError) as exc:
        raise FileAccessError(f"{raw}: cannot be resolved ({exc.__class__.__name__}).") from None
    if not any(resolved.is_relative_to(d) for d in allowed):
        raise FileAccessError(
            f"{raw} is outside the allowed directories ({_describe_allowed(allowed)}). {HOW_TO_ALLOW}"
        )
    try:
        info = resolved.stat()
    except OSError as exc:
        raise FileAccessError(f"{raw}: cannot be read ({exc.strerror}).") from None
    if not stat.S_ISREG(info.st_mode):
        raise FileAccessError(f"{raw} is not a regular file; give the path of a JSON portfolio file.")
    if info.st_size > max_bytes:
        raise FileAccessError(
            f"{raw} is {_size(info.st_size)}, over the {_size(max_bytes)} limit; "
            "start the server with --max-file-mb N (or CSM_MAX_FILE_MB) to raise it."
        )
    if not os.access(resolved, os.R_OK):
        raise FileAccessError(f"{raw}: permission denied.")
    return resolved


def checked_output(path_text: str, allowed: list[Path]) -> Path:
    """Where a draft may be written: a new .md file inside an allowed directory."""
    raw = Path(path_text).expanduser()
    if not raw.is_absolute():
        raw = (allowed[0] if allowed else Path.cwd()) / raw
    if raw.suffix.lower() != ".md":
        raise FileAccessError(f"{raw}: drafts are saved as markdown; give a path ending in .md.")
    try:
        parent = raw.parent.resolve(strict=True)
    except (OSError, RuntimeError):
        raise FileAccessError(f"{raw.parent}: no such directory.") from None
    target = parent / raw.name
    if target.exists() or target.is_symlink():
        raise FileAccessError(f"{raw} already exists; drafts never overwrite a file, so choose another name.")
    if not any(parent.is_relative_to(d) for d in allowed):
        raise FileAccessError(
            f"{raw} is outside the allowed directories ({_describe_allowed(allowed)}). {HOW_TO_ALLOW}"
        )
    return target
