"""Server settings: from command-line options, else environment variables, else defaults."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from customer_success_mcp.fileio import MB, megabytes

APP_DIR_NAME = "customer-success-mcp"
DEFAULT_MAX_FILE_MB = 256
DEFAULT_MAX_INLINE_ACCOUNTS = 10_000
DEFAULT_MAX_INLINE_MB = 8
MAX_INLINE_ACCOUNTS_CEILING = 10_000_000


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
    max_file_bytes: int = DEFAULT_MAX_FILE_MB * MB
    max_inline_accounts: int = DEFAULT_MAX_INLINE_ACCOUNTS
    max_inline_bytes: int = DEFAULT_MAX_INLINE_MB * MB
    use_client_roots: bool = True  # over stdio; roots are ignored over HTTP, where the caller is remote

    @classmethod
    def from_sources(
        cls,
        data_dir: str | None = None,
        allow_dirs: list[str] | None = None,
        profile: str | None = None,
        max_file_mb: float | None = None,
        environ: dict[str, str] | None = None,
        *,
        max_inline_accounts: int | None = None,
        max_inline_mb: float | None = None,
        use_client_roots: bool = True,
    ) -> ServerConfig:
        """Options win over environment variables (CSM_DATA_DIR, CSM_ALLOWED_DIRS, CSM_PROFILE,
        CSM_MAX_FILE_MB, CSM_MAX_INLINE_ACCOUNTS, CSM_MAX_INLINE_MB); allowed directories from both are
        combined. Raises ValueError naming the setting when a value is not usable."""
        env = os.environ if environ is None else environ
        data = data_dir or env.get("CSM_DATA_DIR")
        dirs = [d for d in env.get("CSM_ALLOWED_DIRS", "").split(os.pathsep) if d.strip()]
        dirs += list(allow_dirs or [])
        prof = profile or env.get("CSM_PROFILE") or None
        if max_file_mb is None:
            max_file_mb = megabytes(env.get("CSM_MAX_FILE_MB") or str(DEFAULT_MAX_FILE_MB), "CSM_MAX_FILE_MB")
        if max_inline_mb is None:
            max_inline_mb = megabytes(env.get("CSM_MAX_INLINE_MB") or str(DEFAULT_MAX_INLINE_MB),
                                      "CSM_MAX_INLINE_MB")  # fmt: skip
        if max_inline_accounts is None:
            max_inline_accounts = account_count(
                env.get("CSM_MAX_INLINE_ACCOUNTS") or str(DEFAULT_MAX_INLINE_ACCOUNTS),
                "CSM_MAX_INLINE_ACCOUNTS",
            )
        for what, mb in (("--max-file-mb", max_file_mb), ("--max-inline-mb", max_inline_mb)):
            megabytes(str(mb), what)
        return cls(
            data_dir=Path(data).expanduser() if data else default_data_dir(),
            allowed_dirs=tuple(Path(d).expanduser().resolve() for d in dirs),
            profile_path=Path(prof).expanduser() if prof else None,
            max_file_bytes=max(1, int(max_file_mb * MB)),
            max_inline_accounts=max_inline_accounts,
            max_inline_bytes=max(1, int(max_inline_mb * MB)),
            use_client_roots=use_client_roots,
        )


def account_count(text: str, what: str = "a number of accounts") -> int:
    """A whole number of accounts from 1 to ten million, or ValueError naming the setting."""
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{what} must be a whole number of accounts, got {text!r}") from None
    if not 1 <= value <= MAX_INLINE_ACCOUNTS_CEILING:
        raise ValueError(f"{what} must be between 1 and {MAX_INLINE_ACCOUNTS_CEILING:,}, got {text!r}")
    return value
