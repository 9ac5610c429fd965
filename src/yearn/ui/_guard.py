"""What the dashboard accepts as a write (ASGI middleware, in front of every route).

The dashboard binds to loopback, but any web page the user opens can still send requests
to it. So every write (POST / PUT / PATCH / DELETE):

* comes from the dashboard's own origin: a foreign ``Origin`` (or a browser's
  ``Sec-Fetch-Site: cross-site``) is refused with 403;
* has a body of at most ``max_body`` bytes: refused with 413 by ``Content-Length`` up front,
  or while streaming as soon as the limit is passed — the rest is never read;
* to the JSON API (``/api/...``) is ``Content-Type: application/json`` (415 otherwise: a
  cross-site form or ``text/plain`` request cannot be one without a CORS preflight);
* from a form of the dashboard's pages carries the per-session token those pages embed
  (403 otherwise).
"""

from __future__ import annotations

import hmac
import json
import secrets
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = ["FORM_TOKEN_FIELD", "WriteGuard", "new_session_token"]

FORM_TOKEN_FIELD = "token"
_WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def new_session_token() -> str:
    """A fresh random token for the forms of one dashboard session (one server start)."""
    return secrets.token_urlsafe(24)


class WriteGuard:
    """Refuses cross-site, oversized, non-JSON and token-less writes before any route runs."""

    def __init__(self, app: Any, *, token: str, max_body: int) -> None:
        self.app, self.token, self.max_body = app, token, max_body

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("method", "GET").upper() not in _WRITES:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        why = self._foreign(headers)
        if why:
            await _refuse(send, 403, why)
            return
        declared = headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
            await _refuse(send, 413, self._too_large(declared))
            return
        body, more = b"", True
        while more:  # at most max_body + one chunk is ever held
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_body:
                await _refuse(send, 413, self._too_large(f"more than {self.max_body}"))
                return
        ctype = headers.get("content-type", "").split(";")[0].strip().lower()
        if scope["path"].startswith("/api/"):
            if ctype != "application/json":
                await _refuse(
                    send,
                    415,
                    f"writes to the API take JSON: send Content-Type: application/json "
                    f"(got {ctype or 'none'!r}).",
                )
                return
        elif not self._form_token_ok(ctype, body):
            await _refuse(
                send,
                403,
                "this form lacks the dashboard's session token (a page of another site, or a "
                "page from before the server restarted); reload the dashboard page.",
            )
            return
        sent = False

        async def replay() -> dict:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    def _too_large(self, size: str) -> str:
        return f"request body of {size} bytes is over {self.max_body} bytes."

    @staticmethod
    def _foreign(headers: dict[str, str]) -> str | None:
        origin = headers.get("origin")
        host = headers.get("host", "").lower()
        if origin is not None:
            netloc = urlsplit(origin).netloc.lower() if origin != "null" else ""
            if not netloc or netloc != host:
                return f"cross-site write from origin {origin[:80]!r} refused."
        elif headers.get("sec-fetch-site", "").lower() == "cross-site":
            return "cross-site write refused."
        return None

    def _form_token_ok(self, ctype: str, body: bytes) -> bool:
        if ctype != "application/x-www-form-urlencoded":
            return False
        try:
            fields = parse_qs(body.decode("utf-8"), max_num_fields=20)
        except (UnicodeDecodeError, ValueError):
            return False
        given = fields.get(FORM_TOKEN_FIELD, [""])[0]
        return hmac.compare_digest(given.encode(), self.token.encode())


async def _refuse(send: Any, status: int, message: str) -> None:
    body = json.dumps({"error": message}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
