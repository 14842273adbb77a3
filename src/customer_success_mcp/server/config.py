"""Server settings: from command-line options, else environment variables, else defaults."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

APP_DIR_NAME = "customer-success-mcp"
DEFAULT_MAX_FILE_MB = 256


def default_data_dir() -> Path:
    """The platform's per-user data directory for this application."""
    home = Path.home()
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / APP_DIR_NAME
    if os.name == "nt":
        return Path(os.environ.get("APPDATA", home / "AppData" / "Roaming")) / APP_DIR_NAME
    return Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share") / APP_DIR_NAME


@dataclass(frozen=True)
class ServerConfig:
    """Where the server keeps its data, which files it may read, and how it scores."""

    data_dir: Path = field(default_factory=default_data_dir)
    allowed_dirs: tuple[Path, ...] = ()
    profile_path: Path | None = None
    max_file_bytes: int = DEFAULT_MAX_FILE_MB * 1024 * 1024

    @classmethod
    def from_sources(
        cls,
        data_dir: str | None = None,
        allow_dirs: list[str] | None = None,
        profile: str | None = None,
        max_file_mb: float | None = None,
        environ: dict[str, str] | None = None,
    ) -> ServerConfig:
        """Options win over environment variables (CSM_DATA_DIR, CSM_ALLOWED_DIRS, CSM_PROFILE,
        CSM_MAX_FILE_MB); allowed directories from both are combined."""
        env = os.environ if environ is None else environ
        data = data_dir or env.get("CSM_DATA_DIR")
        dirs = [d for d in env.get("CSM_ALLOWED_DIRS", "").split(os.pathsep) if d.strip()]
        dirs += list(allow_dirs or [])
        prof = profile or env.get("CSM_PROFILE") or None
        if max_file_mb is None:
            text = env.get("CSM_MAX_FILE_MB") or str(DEFAULT_MAX_FILE_MB)
            try:
                max_file_mb = float(text)
            except ValueError:
                raise ValueError(f"CSM_MAX_FILE_MB must be a number of megabytes, got {text!r}") from None
        return cls(
            data_dir=Path(data).expanduser() if data else default_data_dir(),
            allowed_dirs=tuple(Path(d).expanduser().resolve() for d in dirs),
            profile_path=Path(prof).expanduser() if prof else None,
            max_file_bytes=int(max_file_mb * 1024 * 1024),
        )
