"""The DeepL API v2, the part clients use: translate, languages, usage and glossaries.

Requests may be JSON, URL-encoded or multipart forms; answers and errors are shaped as DeepL
shapes them (errors: ``{"message": ...}`` with 400, 403, 404, 413, 429 and ``Retry-After``,
456). Each translation carries our report under ``newsl10n`` (clients ignore unknown fields).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from ..errors import InputError
from .access import MAX_TEXTS, Access, ApiError, Params, deepl_key, parse_params, read_body
from .glossaries import BadGlossary, UnknownGlossary
from .languages import base, deepl_code, english_name, resolve
from .service import TranslationService
from .texts import TextOptions

log = logging.getLogger("newsl10n")
UNLIMITED = 1_000_000_000_000
"""``character_limit`` of /v2/usage without a quota (as DeepL Pro reports no cost limit)."""
FORMALITIES = ("default", "more", "less", "prefer_more", "prefer_less")
Handler = Callable[[Request], Awaitable[Response]]


def deepl_errors(handler: Handler) -> Handler:
    """Every failure as DeepL answers it: ``{"message": ...}`` and its status."""

    @functools.wraps(handler)
    async def answer(request: Request) -> Response:
        try:
            return await handler(request)
        except ApiError as exc:
            headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
            return JSONResponse({"message": exc.message}, status_code=exc.status, headers=headers)
        except UnknownGlossary as exc:
            return JSONResponse({"message": str(exc)}, status_code=404)
        except InputError as exc:  # bad markup, bad glossary entries
            return JSONResponse({"message": str(exc)}, status_code=400)
        except Exception:
            log.exception("%s %s failed", request.method, request.url.path)
            return JSONResponse({"message": "Internal error: the translation failed."}, status_code=500)

    return answer


class DeepLApi:
    def __init__(self, service: TranslationService, access: Access):
        self.service, self.access = service, access

    def routes(self) -> list[Route]:
        return [
            Route("/v2/translate", deepl_errors(self.translate), methods=["POST"]),
            Route("/v2/languages", deepl_errors(self.languages), methods=["GET", "POST"]),
            Route("/v2/usage", deepl_errors(self.usage), methods=["GET", "POST"]),
            Route("/v2/glossary-language-pairs", deepl_errors(self.glossary_pairs), methods=["GET"]),
            Route("/v2/glossaries", deepl_errors(self.glossaries), methods=["GET", "POST"]),
            Route("/v2/glossaries/{glossary_id}", deepl_errors(self.glossary), methods=["GET", "DELETE"]),
            Route("/v2/glossaries/{glossary_id}/entries", deepl_errors(self.glossary_entries), methods=["GET"]),
        ]

    async def _begin(self, request: Request) -> tuple[str, Params]:
        """The key (403 without a valid one), one request off its rate (429), and the bounded body's
        parameters (413, 400)."""
        key = self.access.identify(deepl_key(request))
        self.access.admit(key)
        return key, await parse_params(request, await read_body(request))

    async def translate(self, request: Request) -> Response:
        key, params = await self._begin(request)
        texts = _texts(params)
        locale = _target(params, self.service.locales)
        self._check_source(params)
        options = _options(params)
        formality = str(params.one("formality") or "default").lower()
        if formality not in FORMALITIES:
            raise ApiError(400, "Value for 'formality' not supported.")
        if formality in ("more", "less"):  # our models have no formality (see /v2/languages)
            raise ApiError(400, "'formality' is not supported for given 'target_lang'.")
        if params.has("glossary_ids"):  # the multilingual glossaries (v3) are not served here
            raise ApiError(400, "Parameter 'glossary_ids' not supported: give one 'glossary_id'.")
        glossary_id = params.one("glossary_id")
        if glossary_id is not None and not params.one("source_lang"):
            raise ApiError(400, "Use of a glossary requires the 'source_lang' parameter to be set.")
        terms = await run_in_threadpool(self.service.terms, str(glossary_id) if glossary_id else None)
        if terms.target_lang is not None and terms.target_lang != base(locale):
            raise ApiError(400, "The glossary's target language does not match 'target_lang'.")
        characters = sum(len(t) for t in texts)
        self.access.reserve(key, characters)
        reads = await run_in_threadpool(self.service.read, texts, locale, options, terms)
        outputs = await self.service.translate(reads, locale, terms)
        if self.service.back_translates(locale):
            results = await self.service.batcher.run(lambda: self.service.finish(reads, outputs, locale))
        else:
            results = await run_in_threadpool(self.service.finish, reads, outputs, locale)
        self.access.charge(key, characters)
        detected = self.service.config.source_lang.upper()
        return JSONResponse({"translations": [
            {"detected_source_language": detected, "text": r.text, "billed_characters": len(t), "newsl10n": r.report()}
            for r, t in zip(results, texts)
        ]})  # fmt: skip

    def _check_source(self, params: Params) -> None:
        source = params.one("source_lang")
        if source is not None and (not isinstance(source, str) or base(source) != base(self.service.config.source_lang)):
            raise ApiError(400, "Value for 'source_lang' not supported.")

    async def languages(self, request: Request) -> Response:
        _, params = await self._begin(request)
        kind = str(params.one("type") or "source").lower()
        if kind not in ("source", "target"):
            raise ApiError(400, "Value for 'type' not supported.")
        if kind == "source":
            source = self.service.config.source_lang
            return JSONResponse([{"language": deepl_code(source), "name": english_name(source)}])
        # No model here has a formality setting: DeepL says so per language, and refuses
        # formality "more"/"less" for such a language (the prefer_ forms fall back to default).
        return JSONResponse([
            {"language": deepl_code(loc), "name": english_name(loc), "supports_formality": False}
            for loc in self.service.locales
        ])  # fmt: skip

    async def usage(self, request: Request) -> Response:
        key, _ = await self._begin(request)
        limit = self.access.quota or UNLIMITED
        return JSONResponse({"character_count": self.access.used(key), "character_limit": limit})

    async def glossary_pairs(self, request: Request) -> Response:
        await self._begin(request)
        store = self.service.store
        return JSONResponse({"supported_languages": [
            {"source_lang": store.source_lang, "target_lang": target} for target in store.targets
        ]})  # fmt: skip

    async def glossaries(self, request: Request) -> Response:
        _, params = await self._begin(request)
        store = self.service.store
        if request.method == "GET":
            found = await run_in_threadpool(store.list)
            return JSONResponse({"glossaries": [g.to_json() for g in found]})
        fields = {}
        for name in ("name", "source_lang", "target_lang", "entries"):
            value = params.one(name)
            if not isinstance(value, str) or (name != "entries" and not value):
                raise ApiError(400, f"Parameter '{name}' not specified.")
            fields[name] = value
        entries_format = str(params.one("entries_format") or "tsv").lower()
        try:
            info = await run_in_threadpool(
                store.create, fields["name"], fields["source_lang"], fields["target_lang"], fields["entries"], entries_format
            )
        except BadGlossary as exc:
            raise ApiError(400, str(exc)) from None
        log.info("glossary %s created (%s entries)", info.glossary_id, info.entry_count)
        return JSONResponse(info.to_json(), status_code=201)

    async def glossary(self, request: Request) -> Response:
        await self._begin(request)
        glossary_id = request.path_params["glossary_id"]
        store = self.service.store
        if request.method == "DELETE":
            await run_in_threadpool(store.delete, glossary_id)
            log.info("glossary %s deleted", glossary_id)
            return Response(status_code=204)
        stored = await run_in_threadpool(store.get, glossary_id)
        return JSONResponse(stored.info.to_json())

    async def glossary_entries(self, request: Request) -> Response:
        await self._begin(request)
        pairs = await run_in_threadpool(self.service.store.entries, request.path_params["glossary_id"])
        tsv = "\n".join(f"{source}\t{target}" for source, target in pairs)
        return PlainTextResponse(tsv, media_type="text/tab-separated-values")


def _texts(params: Params) -> list[str]:
    if not params.has("text"):
        raise ApiError(400, "Parameter 'text' not specified.")
    texts = params.many("text")
    if not texts or not all(isinstance(t, str) for t in texts):
        raise ApiError(400, "Value for 'text' not supported: give a string or a list of strings.")
    if len(texts) > MAX_TEXTS:
        raise ApiError(400, f"Too many texts: at most {MAX_TEXTS} texts may be sent in one request ({len(texts)} given).")
    return texts


def _target(params: Params, locales: list[str]) -> str:
    target = params.one("target_lang")
    if not target:
        raise ApiError(400, "Parameter 'target_lang' not specified.")
    locale = resolve(target, locales) if isinstance(target, str) else None
    if locale is None:
        raise ApiError(400, "Value for 'target_lang' not supported.")
    return locale


def _options(params: Params) -> TextOptions:
    tags = params.one("tag_handling")
    if tags not in (None, "", "html", "xml"):
        raise ApiError(400, "Value for 'tag_handling' not supported.")
    fmt = tags or "text"
    split = params.one("split_sentences")
    split = ("nonewlines" if fmt == "html" else "1") if split in (None, "") else str(split).lower()
    if split not in ("0", "1", "nonewlines"):
        raise ApiError(400, "Value for 'split_sentences' not supported.")
    outline = str(params.one("outline_detection")).lower() not in ("0", "false")
    return TextOptions(
        fmt=fmt,
        split=split,
        ignore=frozenset(params.many("ignore_tags", split=True)),
        splitting=frozenset(params.many("splitting_tags", split=True)),
        outline=outline,
    )
