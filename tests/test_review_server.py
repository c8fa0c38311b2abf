"""``newsl10n review`` without a browser: ids that leave OUT, the token, CSRF and origin checks,
stale saves, and the command's errors (Starlette's TestClient; the browser tests drive Chromium)."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from newsl10n.bundle.postedit import Edit, StaleEdit, apply_edits, target_version
from newsl10n.cli import app as cli_app
from newsl10n.cli.review import is_loopback, token_for
from review_fixture import build_pristine, copy_of, snapshot, workspace_for

from conftest import GLOSSARIES, SAMPLE

ORIGIN = "http://127.0.0.1"
BUNDLE = "new-start-dialogue/de"


@pytest.fixture(scope="session")
def pristine(tmp_path_factory, tiny_models):
    return build_pristine(tmp_path_factory.mktemp("review"), tiny_models, SAMPLE, GLOSSARIES)


@pytest.fixture
def work(pristine, tmp_path):
    return copy_of(pristine, tmp_path)


def client_for(work, token=None):
    from starlette.testclient import TestClient

    from newsl10n.server.app import create_app

    return TestClient(create_app(workspace_for(work), token=token), base_url=ORIGIN)


def open_editor(client, bundle=BUNDLE) -> tuple[str, dict[str, str]]:
    """The editor page and each segment's version."""
    page = client.get(f"/edit/{bundle}")
    assert page.status_code == 200
    versions = dict(re.findall(r'name="segment" value="(\w+)">\n<input type="hidden" name="version" value="(\w+)"', page.text))
    return page.text, versions


def post(client, segment, target, version, *, bundle=BUNDLE, csrf=None, headers=None):
    data = {"csrf": client.cookies.get("newsl10n_csrf") if csrf is None else csrf, "segment": segment,
            "target": target, "version": version}  # fmt: skip
    return client.post(f"/save/{bundle}", data=data, headers={"Origin": ORIGIN, "Accept": "application/json", **(headers or {})})


@pytest.mark.slow
def test_index_lists_every_bundle_with_its_counts(work):
    client = client_for(work)
    page = client.get("/")
    rows = re.findall(r'<td class="article">(.*?)</td><td class="locale">(\w+)</td><td class="segments">(\d+)</td>', page.text)
    assert rows == [("new-start-dialogue", "ar", "19"), ("new-start-dialogue", "de", "19")]
    by_locale = client.get("/?sort=locale&order=desc").text
    assert by_locale.index('<td class="locale">de') < by_locale.index('<td class="locale">ar')
    assert 'href="/edit/new-start-dialogue/de"' in page.text


@pytest.mark.slow
def test_editor_escapes_article_text_and_shows_accepted_forms(work):
    client = client_for(work)
    html, _ = open_editor(client)
    assert "&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;" in html
    assert "<script>document" not in html
    assert re.search(r'<p class="term \w+"><span lang="en">New START</span> &rarr; <span lang="de" dir="ltr">New START', html)
    headers = client.get("/").headers
    assert "script-src 'self'" in headers["content-security-policy"]


@pytest.mark.slow
@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/edit/..%2F..%2Fpipeline.yaml"),
        ("get", "/edit/new-start-dialogue/..%2F..%2F.."),
        ("get", "/edit/new-start-dialogue/de/..%2F..%2F..%2Fout"),
        ("get", "/edit/.newsl10n-tm.sqlite"),
        ("get", "/edit/new-start-dialogue"),
        ("post", "/save/..%2Fnew-start-dialogue%2Fde"),
        ("post", "/save/new-start-dialogue/..%2F..%2Fout%2Fnew-start-dialogue%2Fde"),
        ("post", "/prepare/..%2Fnew-start-dialogue%2Fde"),
    ],
)
def test_ids_outside_out_are_refused(work, method, path):
    client = client_for(work)
    before = snapshot(work)
    client.get("/")
    csrf = client.cookies.get("newsl10n_csrf")
    data = {"csrf": csrf, "segment": "s2", "target": "x", "version": "0"}
    response = client.get(path) if method == "get" else client.post(path, data=data, headers={"Origin": ORIGIN})
    assert response.status_code == 404
    assert response.text.startswith("not found: ")
    assert snapshot(work) == before


@pytest.mark.slow
@pytest.mark.parametrize("segment", ["../s2", "s2/../../x", "", "nope"])
def test_segment_ids_are_validated(work, segment):
    client = client_for(work)
    _, versions = open_editor(client)
    before = snapshot(work)
    assert post(client, segment, "x", versions["s2"]).status_code == 404
    assert snapshot(work) == before


@pytest.mark.slow
@pytest.mark.parametrize(
    "csrf, headers",
    [
        ("", {}),
        ("forged", {}),
        (None, {"Origin": "http://evil.example"}),
        (None, {"Origin": "null"}),
    ],
)
def test_posts_without_csrf_token_or_from_another_origin_are_refused(work, csrf, headers):
    client = client_for(work)
    _, versions = open_editor(client)
    before = snapshot(work)
    response = post(client, "s2", "Gefälscht.", versions["s2"], csrf=csrf, headers=headers)
    assert response.status_code == 403
    assert "CSRF or origin check" in response.json()["error"]
    assert snapshot(work) == before


@pytest.mark.slow
def test_prepare_needs_the_csrf_token_and_writes_nothing(work):
    client = client_for(work)
    open_editor(client)
    before = snapshot(work)
    forged = client.post(f"/prepare/{BUNDLE}", data={"csrf": "forged"}, headers={"Origin": ORIGIN})
    assert forged.status_code == 403 and "CSRF or origin check" in forged.json()["error"]
    other = client.post(f"/prepare/{BUNDLE}", data={"csrf": client.cookies.get("newsl10n_csrf")}, headers={"Origin": "http://evil.example"})
    assert other.status_code == 403
    done = client.post(f"/prepare/{BUNDLE}", data={"csrf": client.cookies.get("newsl10n_csrf")}, headers={"Origin": ORIGIN})
    assert done.status_code == 200 and done.json() == {"ok": True}
    assert snapshot(work) == before


@pytest.mark.slow
def test_loopback_server_refuses_other_host_names(work):
    client = client_for(work)
    assert client.get("/", headers={"Host": "rebound.example"}).status_code == 400
    assert client.get("/", headers={"Host": "localhost:8765"}).status_code == 200


@pytest.mark.parametrize("host, loopback", [("127.0.0.1", True), ("localhost", True), ("::1", True), ("0.0.0.0", False), ("192.168.1.5", False)])
def test_only_loopback_hosts_go_without_a_token(host, loopback, monkeypatch):
    monkeypatch.delenv("NEWSL10N_REVIEW_TOKEN", raising=False)
    assert is_loopback(host) is loopback
    assert (token_for(host) is None) is loopback
    monkeypatch.setenv("NEWSL10N_REVIEW_TOKEN", "from-env-0123456789")
    assert token_for(host) == (None if loopback else "from-env-0123456789")


@pytest.mark.slow
def test_host_0000_requires_the_token(work):
    token = token_for("0.0.0.0")
    client = client_for(work, token=token)
    refused = client.get("/", headers={"Host": "192.168.1.5:8765"})
    assert refused.status_code == 401 and refused.text.startswith("token required")
    assert client.get("/edit/new-start-dialogue/de", headers={"Authorization": "Bearer wrong"}).status_code == 401
    entered = client.get(f"/?token={token}", follow_redirects=False)
    assert entered.status_code == 303 and "token=" not in entered.headers["location"]
    assert client.get("/").status_code == 200  # the cookie carries it from now on
    assert client.get("/", headers={"Authorization": f"Bearer {token}"}).status_code == 200


@pytest.mark.slow
def test_save_marks_reviewed_and_a_stale_save_is_refused(work):
    client = client_for(work)
    _, versions = open_editor(client)
    saved = post(client, "s2", "Erste Fassung.", versions["s2"])
    assert saved.status_code == 200 and 'class="segment paragraph reviewed' in saved.json()["row"]
    stale = post(client, "s2", "Zweite Fassung.", versions["s2"])
    assert stale.status_code == 409
    assert stale.json()["current"] == "Erste Fassung." and "changed by someone else" in stale.json()["error"]
    plain = client.post(f"/save/{BUNDLE}", data={"csrf": client.cookies.get("newsl10n_csrf"), "segment": "s2",
                        "target": "Zweite Fassung.", "version": versions["s2"]}, headers={"Origin": ORIGIN})  # fmt: skip
    assert plain.status_code == 409 and "<blockquote class=\"current\" lang=\"de\" dir=\"ltr\">Erste Fassung.</blockquote>" in plain.text
    segments = {s["id"]: s for s in json.loads((work / "out" / BUNDLE / "segments.json").read_text())["segments"]}
    assert segments["s2"]["target"] == "Erste Fassung." and segments["s2"]["reviewed"] is True
    assert post(client, "s3", "  ", versions["s3"]).status_code == 400


@pytest.mark.slow
def test_save_without_script_redirects_to_the_next_segment(work):
    client = client_for(work)
    _, versions = open_editor(client)
    response = client.post(
        f"/save/{BUNDLE}",
        data={"csrf": client.cookies.get("newsl10n_csrf"), "segment": "s4", "target": "Neu.", "version": versions["s4"],
              "next": "s5", "show": "unreviewed"},
        headers={"Referer": f"{ORIGIN}/edit/{BUNDLE}"}, follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 303
    assert response.headers["location"] == f"/edit/{BUNDLE}?show=unreviewed&page=1#s5"
    assert 'id="s4"' not in client.get(f"/edit/{BUNDLE}?show=unreviewed").text


@pytest.mark.slow
def test_apply_edits_refuses_an_edit_based_on_an_old_target(work):
    bundle = work / "out" / BUNDLE
    entry = json.loads((bundle / "segments.json").read_text())["segments"][1]
    old = target_version(entry["target"])
    apply_edits(bundle, [Edit(entry["id"], entry["source"], "Eins.", expected=old)], origin="a")
    before = snapshot(bundle)
    with pytest.raises(StaleEdit) as info:
        apply_edits(bundle, [Edit(entry["id"], entry["source"], "Zwei.", expected=old)], origin="b")
    assert info.value.current == "Eins." and str(info.value).startswith(f"b: segment {entry['id']} was changed")
    assert snapshot(bundle) == before
    apply_edits(bundle, [Edit(entry["id"], entry["source"], "Eins.", expected=old)], origin="c")  # same text: no conflict


def test_connections_to_the_editor_send_without_waiting_for_acks():
    """TCP_NODELAY on every accepted connection (asyncio sets it on IPPROTO_TCP sockets): a
    response's body does not wait for the client's delayed ACK of its headers."""
    import asyncio
    import socket

    from newsl10n.cli.review import listen

    async def accepted_nodelay() -> int:
        loop = asyncio.get_running_loop()
        seen: asyncio.Future[int] = loop.create_future()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport):
                seen.set_result(transport.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

        server = await loop.create_server(Probe, sock=listen("127.0.0.1", 0))
        port = server.sockets[0].getsockname()[1]
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            return await asyncio.wait_for(seen, 10)
        finally:
            writer.close()
            server.close()

    assert asyncio.run(accepted_nodelay()) != 0


def test_review_command_errors(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "p.yaml").write_text("source_lang: en\n", encoding="utf-8")
    runner = CliRunner()
    for args, message in [
        ([str(tmp_path / "missing")], f"error: {tmp_path / 'missing'}: no such folder\n"),
        ([str(tmp_path / "empty")], f"error: {tmp_path / 'empty'}: no bundle found (no segments.json here or in the folders below)\n"),
    ]:
        result = runner.invoke(cli_app, ["review", *args, "--config", str(tmp_path / "p.yaml")])
        assert result.exit_code == 2, result.output
        assert result.output.endswith(message)



@pytest.mark.slow
def test_a_long_bundle_is_edited_page_by_page(work, monkeypatch):
    from newsl10n.server import app

    monkeypatch.setattr(app, "PAGE_SIZE", 5)
    client = client_for(work)
    first = client.get(f"/edit/{BUNDLE}").text
    assert re.findall(r'<tr id="(s\d+)"', first) == ["s1", "s2", "s3", "s4", "s5"]
    assert "Page 1 of 4 (19 segments)" in first and 'rel="next" href="?show=all&amp;page=2"' in first
    last = first.split('<tr id="s5"')[1]
    assert '<input type="hidden" name="next" value="s6">\n<input type="hidden" name="page" value="2">' in last
    assert re.findall(r'<tr id="(s\d+)"', client.get(f"/edit/{BUNDLE}?page=4").text) == ["s16", "s17", "s18", "s19"]
    assert re.findall(r'<tr id="(s\d+)"', client.get(f"/edit/{BUNDLE}?page=99").text)[0] == "s16"


def test_static_review_page_headline_carries_the_target_language_and_text_wraps():
    from newsl10n.bundle.review import review_page

    from newsl10n.bundle.segments import EntryView, SegmentEntry

    html = review_page([EntryView(SegmentEntry("s1", "A.", "أ."))], title="عنوان", source_lang="en", target_lang="ar")
    assert '<h1 lang="ar" dir="rtl">عنوان</h1>' in html
    assert "overflow-wrap: anywhere" in html
