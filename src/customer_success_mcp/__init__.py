"""customer-success-mcp: deterministic customer success scoring, as a CLI and an MCP server."""

__version__ = "0.1.0"
