"""``newsl10n review``: serve the post-editing web application over the bundles of OUT."""

from __future__ import annotations

import ipaddress
import os
import secrets
import socket
import webbrowser
from pathlib import Path
from typing import Annotated

import typer

from ..config import load_config
from ..errors import ConfigError, InputError
from ..terms.files import resolve_glossary
from ..terms.source import SourceTerms
from ..tm.store import memory_path
from .common import ConfigOption, GlossaryOption, NoGlossaryOption, cli_errors

TOKEN_ENV = "NEWSL10N_REVIEW_TOKEN"


def review(
    out: Annotated[Path, typer.Argument(help="Output folder of `translate` (OUT/<article>/<locale>/ bundles).")],
    port: Annotated[int, typer.Option("--port", "-p", min=0, max=65535, help="Port (0: any free one).")] = 8765,
    host: Annotated[
        str,
        typer.Option(
            "--host", help=f"Address to listen on; any but loopback requires a token (${TOKEN_ENV} or printed)."
        ),
    ] = "127.0.0.1",
    open_browser: Annotated[bool, typer.Option("--open", help="Open the index in the default browser.")] = False,
    glossary: GlossaryOption = [],
    no_glossary: NoGlossaryOption = False,
    config: ConfigOption = None,
) -> None:
    """Post-edit bundles in the browser: an index of every article and locale, and an editor per
    bundle. A save rewrites the bundle atomically (as import-xliff does), marks the segment
    reviewed and stores it in the translation memory; later `translate` runs keep it.

    Ctrl+C stops the server.
    """
    with cli_errors():
        workspace = open_workspace(out, config, glossary, no_glossary)
        token = token_for(host)
        from ..server.app import create_app  # Starlette: only for this command

        app = create_app(workspace, token=token)
        sock = listen(host, port)
    query = f"?token={token}" if token else ""
    run_server(app, sock, "review", f"{len(workspace.bundle_ids())} bundles", query=query, open_browser=open_browser)


def open_workspace(out: Path, config: Path | None, glossary: list[Path], no_glossary: bool):
    """The workspace over OUT with pipeline.yaml's QA settings, catalogs, glossary and memory."""
    from ..server.workspace import Workspace

    if not out.is_dir():
        raise InputError(f"{out}: no such folder" if not out.exists() else f"{out}: expected an output folder")
    cfg = load_config(config)
    terms = resolve_glossary(cfg, glossary, enabled=not no_glossary)
    catalogs = cfg.catalogs
    workspace = Workspace(
        out,
        qa=cfg.qa,
        catalogs=catalogs if catalogs.is_dir() else None,
        terms=SourceTerms(terms) if terms is not None else None,
        memory=memory_path(out, cfg.tm.path) if cfg.tm.enabled else None,
    )
    if (out / "segments.json").is_file():
        raise InputError(f"{out}: is one bundle; give its output folder (two levels up)")
    workspace.bundle_ids()  # InputError when OUT holds none
    workspace.recover()  # saves cut short (a killed server) are completed before the first page
    return workspace


def token_for(host: str) -> str | None:
    """None on loopback; elsewhere ${TOKEN_ENV} (ConfigError when it is too weak: at least 16
    characters, no spaces), else a fresh random token."""
    if is_loopback(host):
        return None
    given = os.environ.get(TOKEN_ENV)
    if given is None:
        return secrets.token_urlsafe(24)
    from ..server.app import check_token  # Starlette: only for this command

    return check_token(given, source=f"${TOKEN_ENV}")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` (a busy port or an unknown address: one-line error).

    Made with protocol IPPROTO_TCP, so that asyncio sets TCP_NODELAY on each connection: without
    it a response's body waits for the browser's delayed ACK of its headers (40 ms on Linux, on
    every request of a kept-alive connection)."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        raise ConfigError(f"--host {host} --port {port}: cannot listen ({exc.strerror or exc})") from None
    return sock


def run_server(app, sock: socket.socket, command: str, summary: str, *, query: str = "", open_browser: bool = False,
               **options: object) -> None:  # fmt: skip
    """uvicorn on ``sock`` until Ctrl+C (or SIGTERM): print where it listens (``query``: the
    token a browser needs), then that it stopped. ``options`` go to ``uvicorn.Config``."""
    import uvicorn

    host, port = sock.getsockname()[:2]
    sock.listen(2048)  # a client that connects as soon as the address is printed waits, not refused
    url = f"http://{f'[{host}]' if ':' in host else host}:{port}/{query}"
    typer.echo(f"newsl10n {command}: {summary} at {url}  (Ctrl+C stops)", err=True)
    if open_browser:
        webbrowser.open(url)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, **options))
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    typer.echo(f"newsl10n {command}: stopped", err=True)
