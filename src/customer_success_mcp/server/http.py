"""Streamable HTTP for a team, safely: a bearer token on every request, Host and Origin checked.

Two ways to hold a key, both through the SDK's `TokenVerifier` (so a request without a valid token is
answered 401 before it reaches a tool):

- a tokens file (CSM_HTTP_TOKENS_FILE or --http-tokens-file): one token per line, or `sha256:<hex>` of
  a token, read at start and compared in constant time;
- an OAuth 2.1 resource-server setup: tokens issued by your authorization server and checked with its
  RFC 7662 introspection endpoint (--oauth-issuer, --oauth-introspection-url, --resource-url).

The server refuses to start over HTTP without one of them, and refuses a wildcard address (0.0.0.0)
without --allowed-host naming the host clients use. Host and Origin headers are checked on every
address. Client roots are ignored over HTTP (the caller is remote; see ServerConfig.use_client_roots).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mcp.server.auth.provider import AccessToken, TokenVerifier
from mcp.server.auth.settings import AuthSettings
from mcp.server.transport_security import TransportSecuritySettings

from customer_success_mcp.fileio import MB, FileReadError, read_regular_file

log = logging.getLogger(__name__)

MIN_TOKEN_CHARS = 32
LOOPBACK_HOSTS = ("127.0.0.1:*", "localhost:*", "[::1]:*")
LOOPBACK_ORIGINS = ("http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*")
NEW_TOKEN = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"


class HttpSetupError(ValueError):
    """An HTTP setup the server will not start with; the message says what to add."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def is_wildcard(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_unspecified
    except ValueError:
        return False


class TokensFileVerifier(TokenVerifier):
    """Bearer tokens from a file; each presented token is hashed and compared with every known hash in
    constant time, so neither a token nor its position leaks through timing."""

    def __init__(self, hashes: list[bytes]) -> None:
        self._hashes = hashes

    @classmethod
    def from_file(cls, path: Path) -> TokensFileVerifier:
        try:
            text = read_regular_file(path, MB, "a tokens file holds a few lines").decode("utf-8")
        except (FileReadError, UnicodeDecodeError) as exc:
            raise HttpSetupError(f"cannot read the tokens file {path}: {exc}") from None
        hashes = []
        for number, raw in enumerate(text.splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("sha256:"):
                try:
                    digest = bytes.fromhex(line.removeprefix("sha256:"))
                except ValueError:
                    digest = b""
                if len(digest) != 32:
                    raise HttpSetupError(f"{path} line {number}: sha256: must be followed by 64 hex digits")
                hashes.append(digest)
            elif len(line) < MIN_TOKEN_CHARS or any(ch.isspace() for ch in line):
                raise HttpSetupError(
                    f"{path} line {number}: a token must be at least {MIN_TOKEN_CHARS} characters without "
                    f"spaces; make one with: {NEW_TOKEN}"
                )
            else:
                hashes.append(hashlib.sha256(line.encode()).digest())
        if not hashes:
            raise HttpSetupError(f"{path} holds no token; add one per line (make one with: {NEW_TOKEN})")
        try:
            if os.name == "posix" and stat.S_IMODE(path.stat().st_mode) & 0o077:
                log.warning("tokens file %s can be read by other users; chmod 600 it", path)
        except OSError:
            pass
        return cls(hashes)

    async def verify_token(self, token: str) -> AccessToken | None:
        digest = hashlib.sha256(token.encode("utf-8", errors="replace")).digest()
        found = -1
        for index, known in enumerate(self._hashes):
            if hmac.compare_digest(digest, known):
                found = index
        if found < 0:
            return None
        return AccessToken(token=token, client_id=f"token-{found + 1}", scopes=[])


class IntrospectionVerifier(TokenVerifier):
    """OAuth 2.1 resource server: asks the authorization server's RFC 7662 introspection endpoint about
    each token, accepting it only when active, unexpired and issued for this server (`aud`)."""

    def __init__(self, endpoint: str, resource_url: str, client_id: str | None, client_secret: str | None):
        self.endpoint = endpoint
        self.resource_url = resource_url.rstrip("/")
        self._credentials: tuple[str | bytes, str | bytes] | None = (
            (client_id, client_secret or "") if client_id else None
        )

    async def verify_token(self, token: str) -> AccessToken | None:
        import httpx2 as httpx  # the HTTP client the SDK ships with

        try:
            async with httpx.AsyncClient(timeout=10.0) as client:
                if self._credentials is None:
                    response = await client.post(self.endpoint, data={"token": token})
                else:
                    response = await client.post(self.endpoint, data={"token": token}, auth=self._credentials)
            data = response.json() if response.status_code == 200 else {}
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("token introspection at %s failed: %s", self.endpoint, exc)
            return None
        if not isinstance(data, dict) or data.get("active") is not True:
            return None
        audience = data.get("aud")
        audiences = (
            [audience] if isinstance(audience, str) else audience if isinstance(audience, list) else []
        )
        if self.resource_url not in [str(a).rstrip("/") for a in audiences]:
            log.warning("refused a token issued for %r, not %s", audience, self.resource_url)
            return None
        scope = data.get("scope")
        expires = data.get("exp")
        return AccessToken(
            token=token,
            client_id=str(data.get("client_id") or "oauth-client"),
            scopes=scope.split() if isinstance(scope, str) else [],
            expires_at=int(expires) if isinstance(expires, int | float) else None,
            resource=self.resource_url,
            subject=str(data["sub"]) if data.get("sub") is not None else None,
            claims={"iss": data["iss"]} if data.get("iss") else None,
        )


@dataclass(frozen=True)
class HttpSettings:
    """How the HTTP transport authenticates callers and which Host and Origin headers it accepts."""

    host: str = "127.0.0.1"
    port: int = 8000
    tokens_file: Path | None = None
    oauth_issuer: str | None = None
    oauth_introspection_url: str | None = None
    resource_url: str | None = None
    required_scopes: tuple[str, ...] = ()
    allowed_hosts: tuple[str, ...] = ()
    allowed_origins: tuple[str, ...] = ()
    oauth_client_id: str | None = field(default=None, repr=False)
    oauth_client_secret: str | None = field(default=None, repr=False)

    @classmethod
    def from_sources(cls, args: Any, environ: dict[str, str] | None = None) -> HttpSettings:
        """Options win over environment variables (CSM_HTTP_TOKENS_FILE, CSM_OAUTH_ISSUER,
        CSM_OAUTH_INTROSPECTION_URL, CSM_RESOURCE_URL, CSM_OAUTH_SCOPES, CSM_ALLOWED_HOSTS,
        CSM_ALLOWED_ORIGINS; the introspection credentials only from CSM_OAUTH_CLIENT_ID and
        CSM_OAUTH_CLIENT_SECRET, so they never show in a process list)."""
        env = os.environ if environ is None else environ

        def listed(option: list[str] | None, name: str, sep: str = ",") -> tuple[str, ...]:
            given = list(option or []) + [v.strip() for v in env.get(name, "").split(sep) if v.strip()]
            return tuple(dict.fromkeys(given))

        tokens = getattr(args, "http_tokens_file", None) or env.get("CSM_HTTP_TOKENS_FILE")
        return cls(
            host=args.host,
            port=args.port,
            tokens_file=Path(tokens).expanduser() if tokens else None,
            oauth_issuer=getattr(args, "oauth_issuer", None) or env.get("CSM_OAUTH_ISSUER"),
            oauth_introspection_url=getattr(args, "oauth_introspection_url", None)
            or env.get("CSM_OAUTH_INTROSPECTION_URL"),
            resource_url=getattr(args, "resource_url", None) or env.get("CSM_RESOURCE_URL"),
            required_scopes=listed(getattr(args, "required_scope", None), "CSM_OAUTH_SCOPES", " "),
            allowed_hosts=listed(getattr(args, "allowed_host", None), "CSM_ALLOWED_HOSTS"),
            allowed_origins=listed(getattr(args, "allowed_origin", None), "CSM_ALLOWED_ORIGINS"),
            oauth_client_id=env.get("CSM_OAUTH_CLIENT_ID"),
            oauth_client_secret=env.get("CSM_OAUTH_CLIENT_SECRET"),
        )

    def authentication(self) -> tuple[TokenVerifier, AuthSettings]:
        """The token verifier and the SDK's auth settings; HttpSetupError when there is no key at all."""
        oauth = (self.oauth_issuer, self.oauth_introspection_url, self.resource_url)
        if self.tokens_file is not None and any(oauth):
            raise HttpSetupError("give either a tokens file or the OAuth settings, not both")
        if self.tokens_file is not None:
            # No authorization server and no metadata route: the issuer URL is required by the SDK's
            # settings model but unused without a resource_server_url or an auth provider.
            unused = AuthSettings.model_validate(
                {"issuer_url": "http://localhost", "resource_server_url": None}
            )
            return TokensFileVerifier.from_file(self.tokens_file), unused
        if any(oauth):
            if not all(oauth):
                raise HttpSetupError(
                    "an OAuth resource server needs --oauth-issuer, --oauth-introspection-url and "
                    "--resource-url (this server's public URL, e.g. https://cs.example.com/mcp)"
                )
            assert self.oauth_introspection_url and self.resource_url
            verifier = IntrospectionVerifier(self.oauth_introspection_url, self.resource_url,
                                             self.oauth_client_id, self.oauth_client_secret)  # fmt: skip
            settings = AuthSettings.model_validate({
                "issuer_url": self.oauth_issuer,
                "resource_server_url": self.resource_url,
                "required_scopes": list(self.required_scopes) or None,
                "validate_token_resource": False,  # the verifier checks the audience itself
            })  # fmt: skip
            return verifier, settings
        raise HttpSetupError(
            "streamable HTTP needs a key: put one token per line in a file (make one with: "
            f"{NEW_TOKEN}; chmod 600 the file) and pass --http-tokens-file FILE or set CSM_HTTP_TOKENS_FILE, "
            "or configure an OAuth resource server (--oauth-issuer, --oauth-introspection-url, "
            "--resource-url). "
            "For a single local user, stdio (the default) needs none."
        )

    def security(self) -> TransportSecuritySettings:
        """Host and Origin checks for this address; HttpSetupError for a wildcard address without hosts."""
        hosts = list(LOOPBACK_HOSTS) if is_loopback(self.host) else []
        if not is_loopback(self.host) and not is_wildcard(self.host):
            shown = f"[{self.host.strip('[]')}]" if ":" in self.host else self.host
            hosts += [shown, f"{shown}:*"]
        if is_wildcard(self.host) and not self.allowed_hosts:
            raise HttpSetupError(
                f"--host {self.host} listens on every address; name the host clients use with "
                "--allowed-host NAME (repeatable, or CSM_ALLOWED_HOSTS), e.g. --allowed-host cs.example.com"
            )
        for name in self.allowed_hosts:
            hosts += [name] if name.endswith(":*") else [name, f"{name}:*"]
        origins = [*(LOOPBACK_ORIGINS if is_loopback(self.host) else ()), *self.allowed_origins]
        return TransportSecuritySettings(enable_dns_rebinding_protection=True,
                                         allowed_hosts=list(dict.fromkeys(hosts)),
                                         allowed_origins=list(dict.fromkeys(origins)))  # fmt: skip

    def describe(self) -> str:
        how = "a tokens file" if self.tokens_file else "OAuth token introspection"
        return f"streamable HTTP on {self.host}:{self.port}/mcp, bearer tokens checked by {how}"
