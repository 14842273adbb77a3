"""The query layer over scored portfolios, shared by the CLI and the MCP tools.

`query.models` holds the request and result models (cheap to import); `query.accounts` does the work.
"""
