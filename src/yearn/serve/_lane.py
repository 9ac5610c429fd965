"""The fast lane of ``POST /predict``: a plain ASGI handler for JSON bodies.

FastAPI's middleware, routing and dependency machinery cost several times the model's own
work per one-row request (measured with py-spy: bench/README.md). :class:`ServeApp` hands a
``POST /predict`` whose headers are ordinary — an allowed ``Host``, a JSON (or absent)
content type, a ``Content-Length`` within the body limit — to :class:`PredictLane`, which
reads, validates and answers it exactly as the FastAPI route would (same parser, same 422
bodies, same answer). Everything else — multipart, other content types, a foreign host, a
missing or too large length, every other path — goes through FastAPI unchanged, so its
checks (400, 413, 415) apply as before.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI

from yearn.serve._invalid import Invalid, error_payload
from yearn.serve._limits import too_large

__all__ = ["PredictLane", "ServeApp"]

#: ``answer(rows, arrived) -> (status, payload, request_id or None)``
Answer = Callable[[list[dict[str, Any]], float], Awaitable[tuple[int, dict, str | None]]]


def dumps(payload: Any) -> bytes:
    """JSON as ``fastapi.responses.JSONResponse`` renders it."""
    return json.dumps(
        payload, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
    ).encode("utf-8")


class PredictLane:
    """Reads, validates and answers one JSON ``POST /predict`` (see the module doc)."""

    def __init__(
        self,
        *,
        parse: Callable[[bytes], list[dict[str, Any]]],
        answer: Answer,
        batcher: Any,
        allowed_hosts: list[str],
        max_body_bytes: int,
    ) -> None:
        self.parse, self.answer, self.batcher = parse, answer, batcher
        self.any_host = "*" in allowed_hosts
        self.hosts = frozenset(h for h in allowed_hosts if not h.startswith("*"))
        self.max_body_bytes = max_body_bytes

    def takes(self, scope: dict[str, Any]) -> bool:
        """Whether this request is one the lane answers exactly as FastAPI would."""
        if scope["path"] != "/predict" or scope["method"] != "POST" or scope.get("root_path"):
            return False
        host, length, ctype = b"", -1, b""
        for key, value in scope["headers"]:
            if key == b"host":
                host = value
            elif key == b"content-length":
                length = int(value) if value.isdigit() else -1
            elif key == b"content-type":
                ctype = value
            elif key == b"transfer-encoding":
                return False
        if not 0 <= length <= self.max_body_bytes:
            return False  # FastAPI's BodyLimit answers 413 (or reads a streamed body)
        if ctype and ctype.split(b";")[0].strip().lower() != b"application/json":
            return False  # multipart, or a 415
        if self.any_host:
            return True
        # a name or IPv4 address, with or without a port, listed as allowed (anything else,
        # an IPv6 literal included, is left to TrustedHostMiddleware)
        name, _, port = host.decode("latin-1").lower().partition(":")
        return name in self.hosts and (not port or port.isdigit())

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        arrived = time.perf_counter()
        self.batcher.arriving += 1  # the batch being gathered may wait for this one
        try:
            chunks, more, size = [], True, 0
            while more:
                message = await receive()
                if message["type"] != "http.request":
                    return  # the client went away
                chunks.append(message.get("body", b""))
                size += len(chunks[-1])
                if size > self.max_body_bytes:  # more than its Content-Length promised
                    await _send(send, 413, {"error": too_large(self.max_body_bytes)}, None)
                    return
                more = message.get("more_body", False)
            rows = self.parse(b"".join(chunks))
        except Invalid as exc:
            await _send(send, exc.status, error_payload(exc), None)
            return
        finally:
            self.batcher.arriving -= 1
        status, payload, request_id = await self.answer(rows, arrived)
        await _send(send, status, payload, request_id)


async def _send(send: Any, status: int, payload: dict, request_id: str | None) -> None:
    body = dumps(payload)
    headers = [
        (b"content-length", str(len(body)).encode()),
        (b"content-type", b"application/json"),
    ]
    if request_id is not None:
        headers.append((b"x-request-id", request_id.encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class ServeApp(FastAPI):
    """The FastAPI app, with ordinary JSON ``POST /predict`` requests answered by
    ``predict_lane`` (when set) before FastAPI's stack."""

    predict_lane: PredictLane | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        lane = self.predict_lane
        if lane is not None and scope["type"] == "http" and lane.takes(scope):
            await lane(scope, receive, send)
            return
        await super().__call__(scope, receive, send)
