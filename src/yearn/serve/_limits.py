"""A body-size limit for every request (ASGI middleware): 413 before the body is read."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["BodyLimit", "PayloadTooLarge", "too_large"]


def too_large(max_bytes: int) -> str:
    """The 413 message."""
    return (
        f"the request body is larger than {max_bytes} bytes; send fewer rows per request or "
        "start the server with a larger --max-body"
    )


class PayloadTooLarge(Exception):
    """The request body is larger than the server accepts."""


class BodyLimit:
    """Refuses bodies over ``max_bytes``: by ``Content-Length`` up front, else while streaming."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    def _message(self) -> bytes:
        return json.dumps({"error": too_large(self.max_bytes)}).encode()

    async def _refuse(self, send: Any) -> None:
        body = self._message()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for key, value in scope.get("headers", []):
            if key == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = self.max_bytes + 1
                if declared > self.max_bytes:
                    await self._refuse(send)
                    return
        seen = 0

        async def limited() -> dict:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise PayloadTooLarge(
                        f"the request body is larger than {self.max_bytes} bytes; send fewer "
                        "rows per request"
                    )
            return message

        await self.app(scope, limited, send)
