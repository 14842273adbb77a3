"""What every reader in ingest/ raises, and the byte-order mark they all strip (a leaf module)."""

from __future__ import annotations

UTF8_BOM = b"\xef\xbb\xbf"


class InputError(ValueError):
    """A portfolio that cannot be used at all; the message says what to fix."""
