"""The review editor's Starlette application: the index, one editor per bundle, the save route.

Safety: pages are Jinja-autoescaped; every POST carries the CSRF token of its browser's cookie
and comes from this origin (Origin, else Referer); the Host header must be a loopback name
unless a token is required (any other ``--host``), and then each request carries the token
(``?token=`` once, then a SameSite cookie, or ``Authorization: Bearer``). No third-party script.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import quote, urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .. import __version__
from ..bundle.postedit import StaleEdit
from ..errors import ConfigError, InputError, NewsL10nError
from ..jinja import page_environment
from ..locales import is_rtl
from .workspace import Row, UnknownId, Workspace

log = logging.getLogger("newsl10n")
STATIC = Path(__file__).parent / "static"
CSRF_COOKIE = "newsl10n_csrf"
TOKEN_COOKIE = "newsl10n_token"
LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "::1", "[::1]"]
VIEWS = ("all", "flagged", "unreviewed")
PAGE_SIZE = 200
"""Segments per editor page: a 100,000-segment article must open as fast as a short one."""
SORTS = ("article", "locale", "segments", "reviewed", "errors", "warnings", "violated")
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


MIN_TOKEN_CHARS = 16


def check_token(token: str, *, source: str) -> str:
    """``token`` when it is strong enough to guard the editor (at least 16 characters, none of
    them spaces or controls); ConfigError naming ``source`` else."""
    if len(token) < MIN_TOKEN_CHARS or not token.isprintable() or any(c.isspace() for c in token):
        raise ConfigError(
            f"{source}: a review token needs at least {MIN_TOKEN_CHARS} characters and no spaces "
            f"(this one has {len(token)}); leave it unset to get a random one"
        )
    return token


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison of two strings of any characters (``secrets.compare_digest``
    takes only ASCII ``str``); an empty ``expected`` never matches."""
    return bool(expected) and secrets.compare_digest(_utf8(given), _utf8(expected))


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def create_app(workspace: Workspace, *, token: str | None = None) -> Starlette:
    """The application over ``workspace``. ``token``: required on every request (set it whenever
    the server listens on anything but loopback); without it only loopback Host names pass."""
    if token is not None:
        check_token(token, source="token")
    env = page_environment()
    pages = _Pages(workspace, env)
    middleware = [
        Middleware(TrustedHostMiddleware, allowed_hosts=["*"] if token else LOOPBACK_HOSTS),
        Middleware(BaseHTTPMiddleware, dispatch=_guard(token)),
    ]
    routes = [
        Route("/", pages.index),
        Route("/edit/{bundle:path}", pages.editor),
        Route("/save/{bundle:path}", pages.save, methods=["POST"]),
        Route("/prepare/{bundle:path}", pages.prepare, methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC)),
    ]
    return Starlette(routes=routes, middleware=middleware, exception_handlers={UnknownId: _not_found})


def _guard(token: str | None) -> Callable[[Request, Callable[[Request], Awaitable[Response]]], Awaitable[Response]]:
    """The token check (when one is set) and the security headers on every response."""

    async def dispatch(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if token is not None:
            given = request.query_params.get("token")
            if given is not None and same_secret(given, token):
                response: Response = RedirectResponse(request.url.remove_query_params("token"), status_code=303)
                response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict")
                return response
            bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
            if not any(same_secret(v, token) for v in (request.cookies.get(TOKEN_COOKIE, ""), bearer)):
                return PlainTextResponse("token required: open the address newsl10n review printed", status_code=401)
        response = await call_next(request)
        response.headers.update(HEADERS)
        return response

    return dispatch


async def _not_found(request: Request, exc: Exception) -> Response:
    return PlainTextResponse(f"not found: {exc}", status_code=404)


class _Pages:
    def __init__(self, workspace: Workspace, env) -> None:
        self.workspace, self.env = workspace, env

    async def index(self, request: Request) -> Response:
        sort = request.query_params.get("sort", "article")
        sort = sort if sort in SORTS else "article"
        descending = request.query_params.get("order") == "desc"
        summaries = await run_in_threadpool(self.workspace.summaries)
        summaries.sort(key=lambda s: (getattr(s, sort), s.article, s.locale), reverse=descending)
        page = {"bundles": summaries, "sort": sort, "descending": descending, "out": str(self.workspace.out)}
        return self._page(request, "editor_index.html", page)

    async def editor(self, request: Request) -> Response:
        bundle_id = request.path_params["bundle"]
        show = _view(request.query_params.get("show"))
        number = request.query_params.get("page", "1")
        number = int(number) if number.isdigit() and 0 < int(number) < 10**6 else 1
        page = await run_in_threadpool(self._editor_page, bundle_id, show, number)
        return self._page(request, "editor.html", page)

    async def prepare(self, request: Request) -> Response:
        """Make a bundle's pieces for its first save (:meth:`Workspace.prepare`): the editor's
        script asks once its page has loaded. Writes nothing; answers when done."""
        bundle_id = request.path_params["bundle"]
        form = await request.form()
        if self._forged(request, form):
            return _refuse("refused: the request did not come from this editor (CSRF or origin check)", 403, True)
        try:
            await run_in_threadpool(self.workspace.prepare, bundle_id)
        except UnknownId:  # an InputError too: answered 404 by the app's handler, not 400 here
            raise
        except InputError as exc:
            return _refuse(str(exc), 400, True)
        return JSONResponse({"ok": True})

    @staticmethod
    def _forged(request: Request, form) -> bool:
        """The POST did not come from a page of this editor: another origin, or no CSRF token
        matching its browser's cookie (a request without the cookie never matches)."""
        csrf = str(form.get("csrf", ""))
        return not _same_origin(request) or not same_secret(csrf, request.cookies.get(CSRF_COOKIE, ""))

    def _editor_page(self, bundle_id: str, show: str, number: int) -> dict[str, object]:
        bundle = self.workspace.load(bundle_id)
        rows = self.workspace.rows(bundle)
        matching = [r for r in rows if show == "all" or (r.flagged if show == "flagged" else not r.reviewed)]
        pages = max(1, -(-len(matching) // PAGE_SIZE))
        number = min(number, pages)
        shown = matching[(number - 1) * PAGE_SIZE : number * PAGE_SIZE + 1]  # and the next page's first
        return {
            **self._langs(bundle.manifest.source_lang, bundle.locale),
            "bundle": bundle_id,
            "article": bundle.article,
            "next": {r.id: n.id for r, n in zip(shown, shown[1:])},
            "rows": shown[:PAGE_SIZE],
            "page_number": number,
            "next_page": {shown[PAGE_SIZE].id: number + 1} if len(shown) > PAGE_SIZE else {},
            "pages": pages,
            "matching": len(matching),
            "count": len(rows),
            "reviewed": sum(1 for r in rows if r.reviewed),
            "flagged": sum(1 for r in rows if r.flagged),
            "show": show,
        }

    async def save(self, request: Request) -> Response:
        bundle_id = request.path_params["bundle"]
        form = await request.form()
        wants_json = "application/json" in request.headers.get("accept", "")
        csrf = str(form.get("csrf", ""))
        if self._forged(request, form):
            return _refuse("refused: the form did not come from this editor (CSRF or origin check)", 403, wants_json)
        segment, target = str(form.get("segment", "")), str(form.get("target", "")).replace("\r\n", "\n")
        version, show, next_id = str(form.get("version", "")), _view(form.get("show")), str(form.get("next", ""))
        next_page = str(form.get("page", "1"))
        try:
            bundle = await run_in_threadpool(
                self.workspace.save, bundle_id, segment, target, version, origin=f"{bundle_id} {segment}"
            )
        except StaleEdit as exc:
            log.warning("%s: not saved: %s", bundle_id, exc)
            return self._conflict(request, exc, bundle_id, target, show, wants_json)
        except UnknownId:
            raise
        except InputError as exc:
            return _refuse(str(exc), 400, wants_json)
        except NewsL10nError as exc:  # the bundle could not be written (a full disk, a lock held too long)
            return _refuse(str(exc), 503, wants_json)
        log.info("%s %s: saved, reviewed", bundle_id, segment)
        if not wants_json:
            anchor = f"#{quote(next_id or segment)}"
            number = next_page if next_page.isdigit() else "1"
            return RedirectResponse(f"/edit/{quote(bundle_id)}?show={show}&page={number}{anchor}", status_code=303)
        entry = bundle.entry(segment)
        page = {**self._langs(bundle.manifest.source_lang, bundle.locale), "bundle": bundle_id, "show": show,
                "csrf": csrf, "page_number": next_page, "next_page": {}}  # fmt: skip
        html = self.row_html(self.workspace.row(bundle, entry), page, next_id)
        reviewed = sum(1 for s in bundle.segments if s.reviewed)
        return JSONResponse({"ok": True, "row": html, "reviewed": reviewed})

    def row_html(self, row: Row, page: dict[str, object], next_id: str) -> str:
        return str(self.env.get_template("editor_row.html").module.editor_row(row, page, next_id))

    def _conflict(
        self, request: Request, exc: StaleEdit, bundle_id: str, target: str, show: str, wants_json: bool
    ) -> Response:
        version = exc.version
        if wants_json:
            return JSONResponse({"error": str(exc), "current": exc.current, "version": version}, status_code=409)
        bundle = self.workspace.load(bundle_id)
        page = {
            **self._langs(bundle.manifest.source_lang, bundle.locale),
            "bundle": bundle_id, "segment": exc.segment, "message": str(exc), "current": exc.current,
            "mine": target, "version": version, "show": show,
        }  # fmt: skip
        return self._page(request, "editor_conflict.html", page, status=409)

    def _page(self, request: Request, template: str, page: dict[str, object], status: int = 200) -> Response:
        csrf = request.cookies.get(CSRF_COOKIE)
        page = {**page, "csrf": csrf or secrets.token_urlsafe(32), "app_version": __version__}
        response = HTMLResponse(self.env.get_template(template).render(page=page), status_code=status)
        if not csrf:
            response.set_cookie(CSRF_COOKIE, str(page["csrf"]), httponly=True, samesite="strict")
        return response

    @staticmethod
    def _langs(source_lang: str, locale: str) -> dict[str, str]:
        return {
            "source_lang": source_lang,
            "source_dir": "rtl" if is_rtl(source_lang) else "ltr",
            "locale": locale,
            "target_dir": "rtl" if is_rtl(locale) else "ltr",
        }


def _view(value: object) -> str:
    return value if isinstance(value, str) and value in VIEWS else "all"


def _same_origin(request: Request) -> bool:
    """The POST came from a page of this server: its Origin (else its Referer) is ours."""
    origin = request.headers.get("origin")
    if origin is None:
        referer = urlsplit(request.headers.get("referer", ""))
        origin = f"{referer.scheme}://{referer.netloc}" if referer.netloc else ""
    return bool(origin) and origin == f"{request.url.scheme}://{request.headers.get('host', '')}"


def _refuse(message: str, status: int, wants_json: bool) -> Response:
    if wants_json:
        return JSONResponse({"error": message}, status_code=status)
    return PlainTextResponse(message, status_code=status)
