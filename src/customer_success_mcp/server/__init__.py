"""The MCP server: portfolio tools for Claude Desktop and Claude Code over the scoring engine."""
