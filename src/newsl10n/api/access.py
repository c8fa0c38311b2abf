"""What every API request passes: its key, the per-key rate limit and character quota, the
body bound, and the body read as JSON or a form.

Keys are compared in constant time and never logged. Without keys the server listens on
loopback only (the command refuses anything else), and every request shares one anonymous
allowance.
"""

from __future__ import annotations

import json
import math
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request

MAX_BODY = 128 * 1024
"""DeepL's bound on a request body (128 KiB); LibreTranslate requests get the same."""
MAX_TEXTS = 50
KEYS_ENV = "NEWSL10N_API_KEYS"


class ApiError(Exception):
    """A request refused: ``status`` and a message; ``kind`` lets each API word it its own way
    (``nokey``: no key; ``auth``: an unknown key; ``rate``; ``quota``; ``size``; ``bad``)."""

    def __init__(self, status: int, message: str, kind: str = "bad", retry_after: int | None = None):
        super().__init__(message)
        self.status, self.message, self.kind, self.retry_after = status, message, kind, retry_after


@dataclass
class Access:
    """``keys``: the accepted keys (none: every request is anonymous); ``rate``: requests per
    minute per key (0: unbounded); ``quota``: characters per key while the server runs (0:
    unbounded)."""

    keys: tuple[str, ...] = ()
    rate: int = 0
    quota: int = 0
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict, repr=False)
    _used: dict[str, int] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def identify(self, given: str | None) -> str:
        """The key a request is made with ("" when the server has none); ApiError 403 when keys
        are set and ``given`` is missing or not one of them."""
        if not self.keys:
            return ""
        if not given:
            raise ApiError(403, "Authorization failure: no authentication key given.", "nokey")
        for key in self.keys:
            if secrets.compare_digest(given.encode(), key.encode()):
                return key
        raise ApiError(403, "Authorization failure: unknown authentication key.", "auth")

    def admit(self, key: str) -> None:
        """Count one request against ``key``'s rate (a token bucket holding a minute's worth);
        ApiError 429 with the seconds to wait when it is spent."""
        if not self.rate:
            return
        with self._lock:
            now = time.monotonic()
            tokens, last = self._buckets.get(key, (float(self.rate), now))
            tokens = min(float(self.rate), tokens + (now - last) * self.rate / 60.0)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                wait = max(1, math.ceil((1.0 - tokens) * 60.0 / self.rate))
                raise ApiError(429, "Too many requests. Please wait and resend your request.", "rate", wait)
            self._buckets[key] = (tokens - 1.0, now)

    def reserve(self, key: str, characters: int) -> None:
        """ApiError 456 when ``characters`` more would pass ``key``'s quota."""
        if self.quota and self.used(key) + characters > self.quota:
            raise ApiError(456, "Quota exceeded. The character limit has been reached.", "quota")

    def charge(self, key: str, characters: int) -> None:
        with self._lock:
            self._used[key] = self._used.get(key, 0) + characters

    def used(self, key: str) -> int:
        with self._lock:
            return self._used.get(key, 0)


def deepl_key(request: Request) -> str | None:
    """The key of ``Authorization: DeepL-Auth-Key KEY``."""
    scheme, _, key = request.headers.get("authorization", "").strip().partition(" ")
    return key.strip() if scheme.lower() == "deepl-auth-key" else None


async def read_body(request: Request, limit: int = MAX_BODY) -> bytes:
    """The body, or ApiError 413 as soon as it is known to pass ``limit`` (by its Content-Length,
    else while it streams in)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ApiError(413, f"Request Entity Too Large: the body may hold at most {limit} bytes.", "size")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise ApiError(413, f"Request Entity Too Large: the body may hold at most {limit} bytes.", "size")
    return bytes(body)


class Params:
    """A request's parameters from its query string and its body (JSON, URL-encoded or
    multipart form): ``one`` for a single value, ``many`` for a list (JSON arrays, repeated
    form fields, comma-separated strings where ``split``)."""

    def __init__(self, values: Mapping[str, list[Any]], is_json: bool):
        self.values, self.is_json = values, is_json

    def has(self, name: str) -> bool:
        return name in self.values

    def one(self, name: str) -> Any:
        found = self.values.get(name)
        return found[-1] if found else None

    def many(self, name: str, *, split: bool = False) -> list[Any]:
        found = [v for value in self.values.get(name, []) for v in (value if isinstance(value, list) else [value])]
        if split:
            found = [part.strip() for v in found if isinstance(v, str) for part in v.split(",") if part.strip()]
        return found


async def parse_params(request: Request, body: bytes) -> Params:
    """``body`` (already bounded) as parameters, merged after the query string; ApiError 400 for
    a body that is not UTF-8, JSON that does not parse or is not an object, or a broken form."""
    values: dict[str, list[Any]] = {}
    for name, value in request.query_params.multi_items():
        values.setdefault(name, []).append(value)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not body.strip():
        return Params(values, content_type == "application/json")
    if content_type == "multipart/form-data":
        async def replay() -> dict[str, object]:
            return {"type": "http.request", "body": body, "more_body": False}

        try:
            form = await Request(request.scope, replay).form()
        except Exception:  # noqa: BLE001 - python-multipart's errors: a broken form
            raise ApiError(400, "The multipart body could not be parsed.") from None
        for name, value in form.multi_items():
            values.setdefault(name, []).append(value if isinstance(value, str) else "")
        return Params(values, False)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        where = f"byte 0x{body[exc.start]:02x} at offset {exc.start}"
        raise ApiError(400, f"The request body is not valid UTF-8 ({where}).") from None
    if content_type == "application/json":
        try:
            data = json.loads(text)
        except ValueError:
            raise ApiError(400, "The request body is not valid JSON.") from None
        if not isinstance(data, dict):
            raise ApiError(400, "The JSON body must be an object.")
        for name, value in data.items():
            values[name] = [value]
        return Params(values, True)
    try:
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=False, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise ApiError(400, "The form body is not valid UTF-8 once percent-decoded.") from None
    for name, value in pairs:
        values.setdefault(name, []).append(value)
    return Params(values, False)
