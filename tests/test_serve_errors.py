"""Bad requests to ``newsl10n serve`` get the status and message DeepL or LibreTranslate would
give, and leave no trace in the memory or the glossary folder; the command refuses bad settings
with one line; SIGTERM lets the request in progress finish."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest
from typer.testing import CliRunner

from newsl10n.cli import app as cli_app
from review_fixture import snapshot
from serve_fixture import _no_keys_from_the_environment, cache, serving, write_config  # noqa: F401 - fixtures

pytestmark = pytest.mark.slow
KEY = {"Authorization": "DeepL-Auth-Key good-key"}
BIG = "word " * (40 * 1024)  # 200 KiB of text


def memory_entries(served) -> list[tuple[str, str, str]]:
    from newsl10n.tm.store import TranslationMemory

    with TranslationMemory(served.memory) as memory:
        return [(e.source, e.target, e.glossary) for e in memory.entries()]


DEEPL_CASES = [
    ("wrong key", {"headers": {"Authorization": "DeepL-Auth-Key bad"}, "json": {"text": ["Hi."], "target_lang": "DE"}},
     403, "Authorization failure: unknown authentication key."),
    ("no key", {"headers": {}, "json": {"text": ["Hi."], "target_lang": "DE"}},
     403, "Authorization failure: no authentication key given."),
    ("51 texts", {"json": {"text": ["Hi."] * 51, "target_lang": "DE"}},
     400, "Too many texts: at most 50 texts may be sent in one request (51 given)."),
    ("200 KiB body", {"json": {"text": [BIG], "target_lang": "DE"}},
     413, "Request Entity Too Large: the body may hold at most 131072 bytes."),
    ("unknown language", {"json": {"text": ["Hi."], "target_lang": "XX"}}, 400, "Value for 'target_lang' not supported."),
    ("other source", {"json": {"text": ["Hi."], "target_lang": "DE", "source_lang": "FR"}},
     400, "Value for 'source_lang' not supported."),
    ("no text", {"data": {"target_lang": "DE"}}, 400, "Parameter 'text' not specified."),
    ("unknown glossary", {"json": {"text": ["Hi."], "target_lang": "DE", "source_lang": "EN",
                                   "glossary_id": "0e7c5c2a-6f1e-4d6b-9c1e-2a9c7a8b0d11"}}, 404, "Glossary not found."),
    ("non-UTF-8 body", {"content": b'{"text": ["caf\xe9"], "target_lang": "DE"}', "headers": {**KEY, "Content-Type": "application/json"}},
     400, "The request body is not valid UTF-8 (byte 0xe9 at offset 14)."),
    ("v3 glossary ids", {"json": {"text": ["Hi."], "target_lang": "DE", "source_lang": "EN", "glossary_ids": ["x"]}},
     400, "Parameter 'glossary_ids' not supported: give one 'glossary_id'."),
    ("bad XML", {"json": {"text": ["Hi <b>there."], "target_lang": "DE", "tag_handling": "xml"}},
     400, "text 1: XML element <b> is not closed"),
]  # fmt: skip


@pytest.fixture
def keyed(tmp_path, tiny_models, cache):
    """A server with a key, a memory that has one entry and a glossary folder with one glossary."""
    with serving(tmp_path, tiny_models, cache, keys=("good-key",)) as served:
        assert httpx.post(f"{served.url}/v2/translate", headers=KEY, json={"text": ["Hi."], "target_lang": "DE"}).status_code == 200
        made = httpx.post(f"{served.url}/v2/glossaries", headers=KEY, json={
            "name": "desk", "source_lang": "EN", "target_lang": "DE", "entries": "truce\tWaffenruhe", "entries_format": "tsv"})
        assert made.status_code == 201, made.text
        yield served


def test_bad_deepl_requests_get_deepls_status_and_leave_no_trace(keyed):
    before = (memory_entries(keyed), snapshot(keyed.glossaries))
    for name, request, status, message in DEEPL_CASES:
        request = {"headers": KEY, **request}
        response = httpx.post(f"{keyed.url}/v2/translate", timeout=30, **request)
        assert (name, response.status_code, response.json()) == (name, status, {"message": message})
    for entries, message in [("truce Waffenruhe", "entry 1 has no tab between source and target"),
                             ("a\tb\na\tc", "entry 2 duplicates source term 'a'")]:  # fmt: skip
        body = {"name": "x", "source_lang": "EN", "target_lang": "DE", "entries": entries, "entries_format": "tsv"}
        response = httpx.post(f"{keyed.url}/v2/glossaries", headers=KEY, json=body)
        assert (response.status_code, response.json()) == (400, {"message": f"Invalid glossary entries provided: {message}"})
    missing = httpx.get(f"{keyed.url}/v2/glossaries/0e7c5c2a-6f1e-4d6b-9c1e-2a9c7a8b0d11", headers=KEY)
    assert (missing.status_code, missing.json()) == (404, {"message": "Glossary not found."})
    assert httpx.delete(f"{keyed.url}/v2/glossaries/..%2F..%2Fpipeline.yaml", headers=KEY).status_code == 404
    assert (memory_entries(keyed), snapshot(keyed.glossaries)) == before


LIBRE_CASES = [
    ("wrong key", {"q": "Hi.", "source": "en", "target": "de", "api_key": "bad"}, 403, "Invalid API key"),
    ("no key", {"q": "Hi.", "source": "en", "target": "de"}, 400, "Please contact the server operator to get an API key"),
    ("51 texts", {"q": ["Hi."] * 51, "source": "en", "target": "de"}, 400, "Invalid request: request (51) exceeds text limit (50)"),
    ("200 KiB body", {"q": BIG, "source": "en", "target": "de"}, 413, "Request Entity Too Large: the body may hold at most 131072 bytes."),
    ("unknown language", {"q": "Hi.", "source": "en", "target": "xx"}, 400, "xx is not supported"),
    ("other source", {"q": "Hi.", "source": "fr", "target": "de"}, 400, "fr is not supported"),
    ("other format", {"q": "Hi.", "source": "en", "target": "de", "format": "md"}, 400, "md format is not supported"),
    ("no q", {"source": "en", "target": "de"}, 400, "Invalid request: missing q parameter"),
]  # fmt: skip


def test_bad_libretranslate_requests_get_its_status_and_leave_no_trace(keyed):
    before = memory_entries(keyed)
    for name, body, status, message in LIBRE_CASES:
        body = {"api_key": "good-key", **body} if name != "no key" else body
        response = httpx.post(f"{keyed.url}/translate", json=body, timeout=30)
        assert (name, response.status_code, response.json()) == (name, status, {"error": message})
    form = httpx.post(f"{keyed.url}/translate", content=b"q=caf%E9&source=en&target=de&api_key=good-key",
                      headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert (form.status_code, form.json()) == (400, {"error": "The form body is not valid UTF-8 once percent-decoded."})
    assert memory_entries(keyed) == before


def test_the_rate_limit_answers_429_with_retry_after_and_the_quota_456(tmp_path, tiny_models, cache):
    with serving(tmp_path, tiny_models, cache, keys=("good-key",), rate=2, quota=10) as served:
        body = {"text": ["Eight ch"], "target_lang": "DE"}
        assert httpx.post(f"{served.url}/v2/translate", headers=KEY, json=body).status_code == 200
        over = httpx.post(f"{served.url}/v2/translate", headers=KEY, json=body)
        assert (over.status_code, over.json()) == (456, {"message": "Quota exceeded. The character limit has been reached."})
        limited = httpx.post(f"{served.url}/v2/usage", headers=KEY)
        assert limited.status_code == 429 and 1 <= int(limited.headers["Retry-After"]) <= 30
        assert limited.json() == {"message": "Too many requests. Please wait and resend your request."}
        libre = httpx.post(f"{served.url}/languages", data={"api_key": "good-key"})
        assert libre.status_code == 429 and libre.json()["error"].startswith("Slowdown: ")
        assert [e[0] for e in memory_entries(served)] == ["Eight ch"]


def test_without_keys_only_loopback_hosts_and_pages_get_in(tmp_path, tiny_models, cache):
    with serving(tmp_path, tiny_models, cache) as served:
        assert httpx.get(f"{served.url}/v2/usage").status_code == 200
        other_site = httpx.post(f"{served.url}/v2/glossaries", headers={"Origin": "https://example.com"},
                                data={"name": "x", "source_lang": "EN", "target_lang": "DE", "entries": "a\tb"})  # fmt: skip
        assert other_site.status_code == 403 and not served.glossaries.exists()
        assert httpx.get(f"{served.url}/v2/usage", headers={"Host": "attacker.example"}).status_code == 400
        assert httpx.get(f"{served.url}/v2/usage", headers={"Origin": "http://localhost:3000"}).status_code == 200


def test_the_command_refuses_bad_settings_with_one_line(tmp_path, tiny_models, cache):
    config = write_config(tmp_path, tiny_models, cache)
    broken = tmp_path / "broken.yaml"
    broken.write_text(config.read_text(encoding="utf-8").replace(str(tiny_models["ar"]), str(tmp_path / "gone")))
    runner = CliRunner()
    for args, message in [
        (["--host", "0.0.0.0"], "error: --host 0.0.0.0: beyond loopback every request needs a key: set $NEWSL10N_API_KEYS or pass --keys FILE\n"),
        (["--keys", str(tmp_path / "keys.txt")], f"error: {tmp_path / 'keys.txt'}: no such file\n"),
        (["--engine", "fast"], "error: --engine 'fast': choose one of transformers, ctranslate2, an engine registered under newsl10n.engines, or a class as module:Class\n"),
    ]:  # fmt: skip
        result = runner.invoke(cli_app, ["serve", "--config", str(config), *args])
        assert (result.exit_code, result.output[-len(message):]) == (2, message)
    result = runner.invoke(cli_app, ["serve", "--config", str(broken)])
    assert (result.exit_code, result.output) == (2, f"error: model folder '{tmp_path / 'gone'}' does not exist\n")


def test_sigterm_lets_the_request_in_progress_finish_and_closes_the_memory(tmp_path, tiny_models, cache):
    """A request whose body is still arriving when SIGTERM comes is answered, then the server
    stops (exit 0) and its memory holds the translation."""
    config = write_config(tmp_path, tiny_models, cache)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "HF_HUB_OFFLINE": "1"}
    env.pop("NEWSL10N_API_KEYS", None)
    server = subprocess.Popen([sys.executable, "-m", "newsl10n", "serve", "--config", str(config), "--port", "0"],
                              stderr=subprocess.PIPE, text=True, env=env)  # fmt: skip
    try:
        port = int(re.search(r"at http://127.0.0.1:(\d+)/ ", server.stderr.readline()).group(1))
        assert httpx.get(f"http://127.0.0.1:{port}/health", timeout=60).status_code == 200  # listening once printed
        body = json.dumps({"text": ["Still translated."], "target_lang": "DE"}).encode()
        head = (f"POST /v2/translate HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()  # fmt: skip
        with socket.create_connection(("127.0.0.1", port), timeout=60) as conn:
            conn.sendall(head + body[:10])
            time.sleep(0.5)  # the request has begun: its handler waits for the rest of the body
            server.send_signal(signal.SIGTERM)
            time.sleep(0.5)
            conn.sendall(body[10:])
            answer = b""
            while chunk := conn.recv(65536):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 200 ")
        assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["translations"][0]["text"]
        assert server.wait(60) == 0
        assert "newsl10n serve: stopped" in server.stderr.read()
    finally:
        if server.poll() is None:
            server.kill()
    from newsl10n.tm.store import TranslationMemory

    with TranslationMemory(tmp_path / "out" / ".newsl10n-tm.sqlite") as memory:
        assert [e.source for e in memory.entries()] == ["Still translated."]
