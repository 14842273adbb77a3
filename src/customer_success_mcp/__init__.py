"""customer-success-mcp: deterministic customer success scoring, as a CLI and an MCP server."""

import os

__version__ = "0.1.0"

# Arrow's memory allocator (mimalloc) asks Linux for transparent huge pages, and the kernel clears each
# 2 MB page whole the first time any byte of it is touched. Importing CSV exports touches memory
# sparsely, so that clearing cost about a tenth of the import's time (`benchmarks/bench_import.py`).
# Set here, before anything loads Arrow; a value already in the environment is kept.
os.environ.setdefault("MIMALLOC_ALLOW_THP", "0")
