"""The LibreTranslate API: ``POST /translate``, ``GET /languages``, ``POST /detect``.

Requests may be JSON or forms (``libretranslatepy`` sends forms); ``api_key`` travels in the
body. Errors are ``{"error": ...}`` with LibreTranslate's statuses (400, 403, 429, 500).
Answers carry our report under ``newsl10n``.
"""

from __future__ import annotations

import functools
import logging
import unicodedata

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..errors import InputError
from ..locales import script_of
from .access import MAX_TEXTS, Access, ApiError, Params, parse_params, read_body
from .deepl import Handler
from .languages import base, english_name, resolve
from .service import TranslationService
from .texts import TextOptions

log = logging.getLogger("newsl10n")
_SCRIPTS = {"Latn": "LATIN", "Cyrl": "CYRILLIC", "Arab": "ARABIC", "Grek": "GREEK", "Hebr": "HEBREW"}


def libre_errors(handler: Handler) -> Handler:
    @functools.wraps(handler)
    async def answer(request: Request) -> Response:
        try:
            return await handler(request)
        except ApiError as exc:
            status, message = exc.status, exc.message
            if exc.kind == "nokey":
                status, message = 400, "Please contact the server operator to get an API key"
            elif exc.kind == "auth":
                status, message = 403, "Invalid API key"
            elif exc.kind in ("rate", "quota"):
                status, message = 429, f"Slowdown: {exc.message}"
            headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
            return JSONResponse({"error": message}, status_code=status, headers=headers)
        except InputError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        except Exception as exc:  # noqa: BLE001 - LibreTranslate answers 500 with the reason
            log.exception("%s %s failed", request.method, request.url.path)
            return JSONResponse({"error": f"Cannot translate text: {type(exc).__name__}"}, status_code=500)

    return answer


class LibreApi:
    def __init__(self, service: TranslationService, access: Access):
        self.service, self.access = service, access

    def routes(self) -> list[Route]:
        return [
            Route("/translate", libre_errors(self.translate), methods=["POST"]),
            Route("/languages", libre_errors(self.languages), methods=["GET", "POST"]),
            Route("/detect", libre_errors(self.detect), methods=["POST"]),
        ]

    async def _begin(self, request: Request) -> tuple[str, Params]:
        params = await parse_params(request, await read_body(request))
        key = params.one("api_key")
        key = self.access.identify(key if isinstance(key, str) else None)
        self.access.admit(key)
        return key, params

    async def translate(self, request: Request) -> Response:
        key, params = await self._begin(request)
        q = params.one("q")
        if not q:
            raise ApiError(400, "Invalid request: missing q parameter")
        batch = isinstance(q, list)
        texts = q if batch else [q]
        if not all(isinstance(t, str) for t in texts):
            raise ApiError(400, "Invalid request: q must be a string or a list of strings")
        if len(texts) > MAX_TEXTS:
            raise ApiError(400, f"Invalid request: request ({len(texts)}) exceeds text limit ({MAX_TEXTS})")
        source, target, fmt = (params.one(n) for n in ("source", "target", "format"))
        if not source:
            raise ApiError(400, "Invalid request: missing source parameter")
        if not target:
            raise ApiError(400, "Invalid request: missing target parameter")
        own = self.service.config.source_lang
        if source != "auto" and (not isinstance(source, str) or base(source) != base(own)):
            raise ApiError(400, f"{source} is not supported")
        locale = resolve(target, self.service.locales) if isinstance(target, str) else None
        if locale is None:
            raise ApiError(400, f"{target} is not supported")
        fmt = fmt or "text"
        if fmt not in ("text", "html"):
            raise ApiError(400, f"{fmt} format is not supported")
        if not params.is_json:  # as LibreTranslate: line endings of a form made LF
            texts = ["\n".join(t.splitlines()) for t in texts]
        characters = sum(len(t) for t in texts)
        self.access.reserve(key, characters)
        options = TextOptions(fmt=fmt, split="nonewlines" if fmt == "html" else "1")
        terms = self.service.terms()
        reads = await run_in_threadpool(self.service.read, texts, locale, options, terms)
        outputs = await self.service.translate(reads, locale, terms)
        if self.service.back_translates(locale):
            results = await self.service.batcher.run(lambda: self.service.finish(reads, outputs, locale))
        else:
            results = await run_in_threadpool(self.service.finish, reads, outputs, locale)
        self.access.charge(key, characters)
        answer: dict[str, object] = {
            "translatedText": [r.text for r in results] if batch else results[0].text,
            "newsl10n": [r.report() for r in results] if batch else results[0].report(),
        }
        if source == "auto":
            detected = [self._detected(t) for t in texts]
            answer["detectedLanguage"] = detected if batch else detected[0]
        return JSONResponse(answer)

    async def languages(self, request: Request) -> Response:
        await self._begin(request)
        own = self.service.config.source_lang
        locales = self.service.locales
        found = [{"code": own, "name": english_name(own), "targets": locales}]
        return JSONResponse(found + [{"code": loc, "name": english_name(loc), "targets": []} for loc in locales])

    async def detect(self, request: Request) -> Response:
        _, params = await self._begin(request)
        q = params.one("q")
        if not q or not isinstance(q, str):
            raise ApiError(400, "Invalid request: missing q parameter")
        return JSONResponse([self._detected(q)])

    def _detected(self, text: str) -> dict[str, object]:
        """What we can honestly say: there is no language detector here; the answer is the one
        source language the models take, and the confidence is the share of the text's letters
        written in that language's script (English and French look alike to it, English and
        Russian do not)."""
        own = self.service.config.source_lang
        return {"confidence": round(100.0 * script_share(text, own), 1), "language": own}


def script_share(text: str, lang: str) -> float:
    """The share of ``text``'s letters in the usual script of ``lang`` (0 when it has none)."""
    script = _SCRIPTS.get(script_of(lang) or "", "")
    letters = [ch for ch in text if ch.isalpha()]
    if not letters or not script:
        return 0.0
    return sum(1 for ch in letters if unicodedata.name(ch, "").startswith(script)) / len(letters)
