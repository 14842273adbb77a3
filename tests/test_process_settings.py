"""What a process pays for the package: the settings it makes on import (Arrow's allocator without
transparent huge pages, so the CSV import clears about a tenth less memory, unless the environment
already says otherwise), and no module loaded mid-import that a load does not need."""

from __future__ import annotations

import os
import subprocess
import sys

PR_SET_THP_DISABLE, PR_GET_THP_DISABLE = 41, 42  # <linux/prctl.h>

# Allows huge pages (a process inherits the test run's choice), loads the package, then Arrow, allocates
# from Arrow's pool, and prints the setting, the pool, and whether Linux now keeps huge pages from this
# process (-1: not Linux).
PROBE = f"""
import ctypes, os, sys
linux = sys.platform == "linux"
if linux:
    ctypes.CDLL(None).prctl({PR_SET_THP_DISABLE}, 0, 0, 0, 0)
import customer_success_mcp
import pyarrow as pa
pa.allocate_buffer(4 << 20)
disabled = ctypes.CDLL(None).prctl({PR_GET_THP_DISABLE}, 0, 0, 0, 0) if linux else -1
print(os.environ.get("MIMALLOC_ALLOW_THP"), pa.default_memory_pool().backend_name, disabled)
"""


def _probe(**env: str) -> tuple[str, str, int]:
    unset = ("MIMALLOC_ALLOW_THP", "ARROW_DEFAULT_MEMORY_POOL")
    clean = {k: v for k, v in os.environ.items() if k not in unset}
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env={**clean, **env},
                         check=True)  # fmt: skip
    setting, backend, disabled = out.stdout.split()
    return setting, backend, int(disabled)


def test_importing_the_package_turns_huge_pages_off_for_arrows_allocator() -> None:
    setting, backend, disabled = _probe()
    assert setting == "0"
    if sys.platform == "linux" and backend == "mimalloc":
        assert disabled == 1  # mimalloc read the setting: the kernel gives this process no huge pages


def test_a_setting_already_in_the_environment_is_kept() -> None:
    setting, backend, disabled = _probe(MIMALLOC_ALLOW_THP="1")
    assert setting == "1"
    if sys.platform == "linux" and backend == "mimalloc":
        assert disabled == 0


MESSY_CSV = (
    "Account ID,Account Name,ARR (USD),Renewal Date,Segment,Champion Left,Open Tickets\n"
    ' ACC-1 ,Zoë Café,"$12,000",03/15/2027,SMB,Yes,3\n'
    "ACC-2,  Two  Spaces ,n/a,12/01/2026,Enterprise,no,\n"
    "ACC-3,Plain Name,USD 1200,2027-01-31,mid-market,,x\n"
)


def test_loading_messy_csv_exports_never_makes_arrow_guess_a_type(tmp_path) -> None:
    """Every value the import hands Arrow is typed: Arrow guessing one imports dateutil (about 16 ms) in
    the middle of the first load of a process."""
    export = tmp_path / "crm.csv"
    export.write_text(MESSY_CSV, encoding="utf-8")
    code = f"""
import sys
from customer_success_mcp.ingest.sources import load_sources
from customer_success_mcp.scoring.default_profiles import DEFAULT_PROFILE
loaded = load_sources([("crm.csv", open({str(export)!r}, "rb").read())], DEFAULT_PROFILE)
print(loaded.report.accepted + loaded.report.rejected, "dateutil" in sys.modules)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["3", "False"]
