"""``newsl10n serve`` with the real clients (DeepL's ``deepl``, ``libretranslatepy``) and a
replayed Weblate request, on the tiny models: one translation path with ``translate``, glossary
terms enforced and reported, the memory read (reviewed text included) and filled, requests
batched, models bounded."""

from __future__ import annotations

import json
import threading

import httpx
import pytest

from serve_fixture import _no_keys_from_the_environment, cache, serving  # noqa: F401 - fixtures

pytestmark = pytest.mark.slow


@pytest.fixture
def served(tmp_path, tiny_models, cache):
    with serving(tmp_path / "server", tiny_models, cache) as server:
        yield server


def translate(url: str, **body) -> dict:
    response = httpx.post(f"{url}/v2/translate", json=body, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_deepl_client_translates_one_text_and_a_list(served):
    import deepl

    translator = deepl.Translator("any-key", server_url=served.url)
    one = translator.translate_text("Talks resumed in Abu Dhabi.", target_lang="DE")
    assert (one.detected_source_lang, one.billed_characters) == ("EN", len("Talks resumed in Abu Dhabi."))
    assert one.text.strip() and one.text != "Talks resumed in Abu Dhabi."
    many = translator.translate_text(["First text.", "Second text. With two sentences."], target_lang="ar")
    assert len(many) == 2 and all(r.text for r in many)
    assert [t.code for t in translator.get_target_languages()] == ["DE", "AR"]
    assert [t.supports_formality for t in translator.get_target_languages()] == [False, False]
    assert [s.code for s in translator.get_source_languages()] == ["EN"]
    assert translator.get_usage().character.count == len("Talks resumed in Abu Dhabi.First text.Second text. With two sentences.")
    form = httpx.post(f"{served.url}/v2/translate", data={"text": ["One.", "Two."], "target_lang": "de"})
    assert [t["newsl10n"]["segments"][0]["source"] for t in form.json()["translations"]] == ["One.", "Two."]
    with pytest.raises(deepl.DeepLException, match="'formality' is not supported for given 'target_lang'"):
        translator.translate_text("Hello.", target_lang="DE", formality="more")
    assert translator.translate_text("Hello.", target_lang="DE", formality="prefer_more").text == translator.translate_text("Hello.", target_lang="DE").text


def test_the_api_translates_a_segment_exactly_as_translate_does(tmp_path, tiny_models, cache, sample_article):
    """One translation path: the article through ``newsl10n translate --no-tm``, and each of its
    segments sent alone through /v2/translate with no memory, give the same target and report."""
    from typer.testing import CliRunner

    from newsl10n.cli import app as cli_app
    from serve_fixture import write_config

    config = write_config(tmp_path / "cli", tiny_models, cache)
    result = CliRunner().invoke(cli_app, ["translate", str(sample_article), "--to", "de", "--config", str(config), "--no-tm", "--quiet"])
    assert result.exit_code == 0, result.output
    entries = json.loads((tmp_path / "cli/out/new-start-dialogue/de/segments.json").read_text(encoding="utf-8"))["segments"]
    with serving(tmp_path / "api", tiny_models, cache, no_tm=True) as server:
        answer = translate(server.url, text=[e["source"] for e in entries], target_lang="DE", split_sentences="0")
    got = [t["newsl10n"]["segments"][0] for t in answer["translations"]]
    assert [g["target"] for g in got] == [e["target"] for e in entries]
    assert [g["terms"] for g in got] == [e.get("terms", []) for e in entries]
    assert sum(len(g["terms"]) for g in got) > 5  # the sample article's glossary terms, enforced alike


def test_tag_handling_html_and_xml_through_the_client(served):
    import deepl

    translator = deepl.Translator("any-key", server_url=served.url)
    html = translator.translate_text('<p class="lead">Steve Witkoff met <b>the envoy</b> today.</p>', target_lang="DE",
                                     tag_handling="html").text  # fmt: skip
    assert html.startswith('<p class="lead">') and html.endswith("</p>")
    assert html.count("<b>") == html.count("</b>") == 1
    assert "Witkoff" in html  # the glossary's German term (or its allowed short form), inside markup
    xml = translator.translate_text('Press <keep>Ctrl+S</keep> to save <x id="1"></x> now.', target_lang="DE",
                                    tag_handling="xml", ignore_tags=["keep", "x"]).text  # fmt: skip
    assert xml.count("<keep>Ctrl+S</keep>") == 1 and xml.count('<x id="1"></x>') == 1


def test_a_glossary_made_through_the_client_is_enforced_and_reported(served):
    import deepl

    translator = deepl.Translator("any-key", server_url=served.url)
    glossary = translator.create_glossary("desk", "EN", "DE", {"ceasefire": "Waffenruhe", "envoy": "Sondergesandter"})
    assert [g.glossary_id for g in translator.list_glossaries()] == [glossary.glossary_id]
    assert translator.get_glossary(glossary.glossary_id).entry_count == 2
    assert translator.get_glossary_entries(glossary) == {"ceasefire": "Waffenruhe", "envoy": "Sondergesandter"}
    assert [(p.source_lang, p.target_lang) for p in translator.get_glossary_languages()] == [("en", "de"), ("en", "ar")]
    text = "The ceasefire holds, the envoy said."
    result = translator.translate_text(text, source_lang="EN", target_lang="DE", glossary=glossary)
    assert "Waffenruhe" in result.text and "Sondergesandter" in result.text
    report = translate(served.url, text=[text], source_lang="EN", target_lang="DE", glossary_id=glossary.glossary_id)
    terms = report["translations"][0]["newsl10n"]["segments"][0]["terms"]
    assert [(t["source"], t["expected"], t["status"]) for t in terms] == [
        ("ceasefire", "Waffenruhe", "enforced"), ("envoy", "Sondergesandter", "enforced")
    ]
    assert report["translations"][0]["newsl10n"]["terms"] == {"total": 2, "enforced": 2, "present": 0, "violated": 0}
    translator.delete_glossary(glossary)
    assert translator.list_glossaries() == [] and list(served.glossaries.iterdir()) == []
    with pytest.raises(deepl.DeepLException, match="Glossary not found"):
        translator.translate_text(text, source_lang="EN", target_lang="DE", glossary=glossary)


def test_keys_usage_and_a_bad_key_through_the_client(tmp_path, tiny_models, cache):
    import deepl

    with serving(tmp_path, tiny_models, cache, keys=("key-one", "key-two"), quota=1000) as server:
        with pytest.raises(deepl.AuthorizationException):
            deepl.Translator("wrong-key", server_url=server.url).translate_text("Hello.", target_lang="DE")
        translator = deepl.Translator("key-one", server_url=server.url)
        translator.translate_text("Hello there.", target_lang="DE")
        usage = translator.get_usage().character
        assert (usage.count, usage.limit) == (12, 1000)
        assert deepl.Translator("key-two", server_url=server.url).get_usage().character.count == 0


def test_the_libretranslate_client_translates_lists_languages_and_detects(tmp_path, tiny_models, cache):
    from libretranslatepy import LibreTranslateAPI

    with serving(tmp_path, tiny_models, cache, keys=("lt-key",)) as server:
        client = LibreTranslateAPI(server.url, api_key="lt-key")
        text = client.translate("Steve Witkoff arrived in Abu Dhabi.", "en", "ar")
        assert "ويتكوف" in text  # the glossary's Arabic term (its allowed short form at least)
        assert client.languages()[0] == {"code": "en", "name": "English", "targets": ["de", "ar"]}
        assert client.detect("Hello world") == [{"confidence": 100.0, "language": "en"}]
        answer = httpx.post(f"{server.url}/translate", json={"q": ["<p>Steve <b>Witkoff</b> spoke.</p>", "Two."],
                            "source": "auto", "target": "de", "format": "html", "api_key": "lt-key"}).json()  # fmt: skip
        assert answer["translatedText"][0].startswith("<p>") and answer["translatedText"][0].count("<b>") == 1
        assert answer["detectedLanguage"][1] == {"confidence": 100.0, "language": "en"}
        counts = answer["newsl10n"][0]["terms"]  # "Steve Witkoff" across the bold tag
        assert counts["total"] == 1 and counts["violated"] == 0
        refused = httpx.post(f"{server.url}/translate", data={"q": "Hi.", "source": "en", "target": "de", "api_key": "no"})
        assert (refused.status_code, refused.json()) == (403, {"error": "Invalid API key"})


def test_a_weblate_request_replayed_keeps_its_placeholders_in_place(served):
    """The JSON Weblate's DeepL backend posts (weblate/machinery/deepl.py): placeholders as
    ``<x id="N"></x>`` (N: the placeholder's offset), text XML-escaped, ignore_tags ["x"]."""
    texts = ['Hello <x id="6"></x>, you have <x id="20"></x> new messages.', 'Save &amp; close <x id="13"></x>']
    for kind in ("source", "target"):
        assert httpx.get(f"{served.url}/v2/languages", params={"type": kind}).status_code == 200
    answer = translate(served.url, text=texts, source_lang="EN", target_lang="DE", formality="default",
                       tag_handling="xml", ignore_tags=["x"])  # fmt: skip
    out = [t["text"] for t in answer["translations"]]
    assert [[p for p in ('<x id="6"></x>', '<x id="20"></x>', '<x id="13"></x>') if p in o] for o in out] == [
        ['<x id="6"></x>', '<x id="20"></x>'], ['<x id="13"></x>']
    ]
    assert out[0].index('<x id="6"></x>') < out[0].index('<x id="20"></x>')
    assert all(o.count("<x ") == len(o.split("</x>")) - 1 for o in out)


def test_reviewed_text_in_the_memory_is_what_the_api_answers(served):
    from newsl10n.tm.cached import store_reviewed
    from newsl10n.tm.store import TranslationMemory
    from newsl10n.translate.spec import EngineSignature

    first = translate(served.url, text=["The talks resumed."], target_lang="DE")["translations"][0]
    assert first["newsl10n"]["reviewed"] == 0
    with TranslationMemory(served.memory) as memory:
        assert [e.source for e in memory.entries("de")] == ["The talks resumed."]  # filled as a run fills it
        signature = EngineSignature.from_description({"model": "any", "model_revision": "x", "engine": "ctranslate2"})
        glossary_hash = next(iter(memory.entries("de"))).glossary
        store_reviewed(memory, signature, "de", glossary_hash, [("The talks resumed.", "Die Gespräche gingen weiter.")])
    again = translate(served.url, text=["The talks resumed. The talks resumed."], target_lang="DE")["translations"][0]
    assert again["text"] == "Die Gespräche gingen weiter. Die Gespräche gingen weiter."
    assert again["newsl10n"]["reviewed"] == 2 and again["newsl10n"]["confidence"] is None


def test_concurrent_requests_share_engine_calls_and_the_model_bound_holds(tmp_path, tiny_models, cache):
    with serving(tmp_path, tiny_models, cache, window_ms=300, max_models=1, no_tm=True) as server:
        texts = [f"Sentence number {n} about the summit." for n in range(8)]
        results: dict[int, dict] = {}

        def one(n: int) -> None:
            results[n] = translate(server.url, text=[texts[n]], target_lang="DE")

        threads = [threading.Thread(target=one, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert [results[n]["translations"][0]["newsl10n"]["segments"][0]["source"] for n in range(8)] == texts
        health = httpx.get(f"{server.url}/health").json()
        assert health["engine_calls"] < 8 and health["loaded"] == ["de"]
        translate(server.url, text=["Another one."], target_lang="AR")
        assert httpx.get(f"{server.url}/health").json()["loaded"] == ["ar"]  # de unloaded: one model at most
