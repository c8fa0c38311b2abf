"""``newsl10n serve``'s application: the DeepL and LibreTranslate routes over one
:class:`~newsl10n.api.service.TranslationService`, and ``GET /health``.

Without keys (loopback only) the Host header must be a loopback name and a request from a web
page must come from a loopback origin: a page on another site can neither reach the server by
DNS rebinding nor make the visitor's browser create glossaries or spend its models. Shutting
down, the server first finishes the requests it holds, then the engine thread's queue, then
closes the memory: nothing is left half-written.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .access import Access
from .deepl import DeepLApi
from .libre import LibreApi
from .service import TranslationService

LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "::1", "[::1]"]


def create_app(service: TranslationService, access: Access) -> Starlette:
    async def health(request: Request) -> Response:
        return JSONResponse(service.health())

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await service.close()

    middleware = []
    if not access.keys:
        middleware = [
            Middleware(TrustedHostMiddleware, allowed_hosts=LOOPBACK_HOSTS),
            Middleware(BaseHTTPMiddleware, dispatch=_loopback_origin),
        ]
    routes = [Route("/health", health), *DeepLApi(service, access).routes(), *LibreApi(service, access).routes()]
    return Starlette(routes=routes, middleware=middleware, lifespan=lifespan)


async def _loopback_origin(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """Refuse a browser's request from a page that is not on this machine (keys lift this)."""
    origin = request.headers.get("origin")
    if origin is not None and urlsplit(origin).hostname not in ("127.0.0.1", "localhost", "::1"):
        message = "Forbidden: requests from other sites need an API key (set NEWSL10N_API_KEYS)."
        return JSONResponse({"message": message, "error": message}, status_code=403)
    return await call_next(request)
