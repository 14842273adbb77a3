"""`customer-success-mcp` and `csm serve`: run the MCP server (stdio by default)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence

from customer_success_mcp.fileio import MB, megabytes
from customer_success_mcp.server.config import (
    DEFAULT_MAX_FILE_MB,
    DEFAULT_MAX_INLINE_ACCOUNTS,
    DEFAULT_MAX_INLINE_MB,
    ServerConfig,
    account_count,
    default_data_dir,
)

MESSAGE_OVERHEAD = 1 * MB  # room beside the inline accounts for the rest of a message


def _argument_type(check: Callable[[str], object], what: str) -> Callable[[str], object]:
    """An argparse type from a checker that raises ValueError with the reason."""

    def parse(text: str) -> object:
        try:
            return check(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc).replace(what, "the value", 1)) from None

    return parse


def _port(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 65535:
        raise ValueError(f"the port must be a whole number from 1 to 65535, got {text!r}")
    return int(text)


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
        help="a directory portfolio files may be read from and drafts saved in; repeatable "
        "(env CSM_ALLOWED_DIRS). The ceiling: a client's roots can only narrow it; with none configured, "
        "the client's roots over stdio (never / or a home directory), else no file access",
    )
    parser.add_argument(
        "--profile",
        metavar="NAME|FILE",
        help="built-in profile name (reference, default, five_dimension) or TOML file "
        "(env CSM_PROFILE; default: default)",
    )
    parser.add_argument(
        "--max-file-mb",
        type=_argument_type(lambda t: megabytes(t, "MB"), "MB"),
        metavar="MB",
        help=f"largest portfolio file read (env CSM_MAX_FILE_MB; default {DEFAULT_MAX_FILE_MB})",
    )
    parser.add_argument(
        "--max-inline-accounts",
        type=_argument_type(lambda t: account_count(t, "N"), "N"),
        metavar="N",
        help=f"most accounts accepted inline in one call (env CSM_MAX_INLINE_ACCOUNTS; default "
        f"{DEFAULT_MAX_INLINE_ACCOUNTS:,})",
    )
    parser.add_argument(
        "--max-inline-mb",
        type=_argument_type(lambda t: megabytes(t, "MB"), "MB"),
        metavar="MB",
        help="largest inline accounts, as compact JSON "
        f"(env CSM_MAX_INLINE_MB; default {DEFAULT_MAX_INLINE_MB})",
    )
    parser.add_argument("--transport", choices=("stdio", "streamable-http"), default="stdio")
    parser.add_argument("--host", default="127.0.0.1", help="with streamable-http (default 127.0.0.1)")
    port = _argument_type(_port, "the port")
    parser.add_argument("--port", type=port, default=8000, help="with streamable-http (default 8000)")
    http = parser.add_argument_group("streamable HTTP (a bearer token is required on every request)")
    options = {
        "--http-tokens-file": ("FILE", "one token per line, or sha256:HEX of one (env CSM_HTTP_TOKENS_FILE)"),
        "--oauth-issuer": ("URL", "OAuth 2.1 authorization server (env CSM_OAUTH_ISSUER)"),
        "--oauth-introspection-url": (
            "URL",
            "its token introspection endpoint (env CSM_OAUTH_INTROSPECTION_URL; client credentials from "
            "CSM_OAUTH_CLIENT_ID and CSM_OAUTH_CLIENT_SECRET)",
        ),
        "--resource-url": ("URL", "this server's public URL, its tokens' audience (env CSM_RESOURCE_URL)"),
    }
    for flag, (metavar, text) in options.items():
        http.add_argument(flag, metavar=metavar, help=text)
    repeatable = {
        "--required-scope": ("SCOPE", "a scope every token must carry (env CSM_OAUTH_SCOPES)"),
        "--allowed-host": ("HOST", "a Host header to accept beside the address served "
                           "(env CSM_ALLOWED_HOSTS)"),
        "--allowed-origin": ("ORIGIN", "an Origin header to accept, e.g. https://cs.example.com "
                             "(env CSM_ALLOWED_ORIGINS)"),
    }  # fmt: skip
    for flag, (metavar, text) in repeatable.items():
        http.add_argument(flag, action="append", metavar=metavar, help=text + "; repeatable")
    parser.add_argument("--log-level", choices=("DEBUG", "INFO", "WARNING", "ERROR"), default="WARNING")


def _fail(message: str) -> int:
    sys.stderr.write(f"customer-success-mcp: error: {message}\n")
    return 2


def serve(args: argparse.Namespace) -> int:
    """Run the server until the client disconnects; logs go to stderr, stdout is the protocol's."""
    logging.basicConfig(stream=sys.stderr, level=args.log_level, format="%(levelname)s %(name)s: %(message)s")
    over_http = args.transport == "streamable-http"
    try:
        config = ServerConfig.from_sources(
            data_dir=args.data_dir,
            allow_dirs=args.allow_dir,
            profile=args.profile,
            max_file_mb=args.max_file_mb,
            max_inline_accounts=getattr(args, "max_inline_accounts", None),
            max_inline_mb=getattr(args, "max_inline_mb", None),
            use_client_roots=not over_http,
        )
    except ValueError as exc:
        return _fail(str(exc))
    from customer_success_mcp.server.app import build_server

    message_bytes = 2 * config.max_inline_bytes + MESSAGE_OVERHEAD
    if not over_http:
        import anyio

        from customer_success_mcp.server.stdio import serve_stdio

        anyio.run(serve_stdio, build_server(config), message_bytes)
        return 0
    from customer_success_mcp.server.http import HttpSettings, HttpSetupError

    http = HttpSettings.from_sources(args)
    try:
        verifier, auth = http.authentication()
        security = http.security()
    except HttpSetupError as exc:
        return _fail(str(exc))
    log = logging.getLogger(__name__)
    log.warning("serving %s; put it behind TLS for anything beyond this machine", http.describe())
    server = build_server(config, token_verifier=verifier, auth=auth)
    server.run(
        "streamable-http",
        host=http.host,
        port=http.port,
        transport_security=security,
        max_request_body_size=message_bytes,
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="customer-success-mcp", description="Customer success MCP server.")
    add_server_arguments(parser)
    return serve(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
