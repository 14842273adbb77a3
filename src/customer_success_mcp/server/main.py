"""`customer-success-mcp` and `csm serve`: run the MCP server (stdio by default)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from customer_success_mcp.server.config import DEFAULT_MAX_FILE_MB, ServerConfig, default_data_dir


def add_server_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help=f"where portfolios are stored (env CSM_DATA_DIR; default {default_data_dir()})",
    )
    parser.add_argument(
        "--allow-dir",
        action="append",
        metavar="DIR",
        default=[],
        help="a directory portfolio files may be read from; repeatable "
        "(env CSM_ALLOWED_DIRS; default: the client's roots, else the working directory)",
    )
    parser.add_argument(
        "--profile",
        metavar="NAME|FILE",
        help="built-in profile name (reference, default, five_dimension) or TOML file "
        "(env CSM_PROFILE; default: default)",
    )
    parser.add_argument(
        "--max-file-mb",
        type=float,
        metavar="MB",
        help=f"largest portfolio file read (env CSM_MAX_FILE_MB; default {DEFAULT_MAX_FILE_MB})",
    )
    parser.add_argument("--transport", choices=("stdio", "streamable-http"), default="stdio")
    parser.add_argument("--host", default="127.0.0.1", help="with streamable-http (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="with streamable-http (default 8000)")
    parser.add_argument("--log-level", choices=("DEBUG", "INFO", "WARNING", "ERROR"), default="WARNING")


def serve(args: argparse.Namespace) -> int:
    """Run the server until the client disconnects; logs go to stderr, stdout is the protocol's."""
    logging.basicConfig(stream=sys.stderr, level=args.log_level, format="%(levelname)s %(name)s: %(message)s")
    try:
        config = ServerConfig.from_sources(
            data_dir=args.data_dir,
            allow_dirs=args.allow_dir,
            profile=args.profile,
            max_file_mb=args.max_file_mb,
        )
    except ValueError as exc:
        sys.stderr.write(f"customer-success-mcp: error: {exc}\n")
        return 2
    from customer_success_mcp.server.app import build_server

    server = build_server(config)
    if args.transport == "stdio":
        server.run("stdio")
    else:
        server.run("streamable-http", host=args.host, port=args.port)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="customer-success-mcp", description="Customer success MCP server.")
    add_server_arguments(parser)
    return serve(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
