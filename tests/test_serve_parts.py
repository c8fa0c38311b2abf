"""The parts of ``newsl10n serve`` that need no model: language codes, keys, rate and quota,
glossary entries and their store, the micro-batcher and the warm-model bound."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from newsl10n.api.access import Access, ApiError
from newsl10n.api.batching import MicroBatcher
from newsl10n.api.glossaries import BadGlossary, GlossaryStore, UnknownGlossary, combined, parse_entries
from newsl10n.api.languages import resolve
from newsl10n.api.libre import script_share
from newsl10n.api.warm import WarmModels
from newsl10n.model import Translation
from newsl10n.terms.files import require_valid
from newsl10n.terms.source import SourceTerms

from conftest import GLOSSARIES

LOCALES = ["de", "fr", "pt-BR", "ar"]


@pytest.mark.parametrize(
    ("code", "locale"),
    [
        ("DE", "de"), ("de", "de"), ("PT-BR", "pt-BR"), ("pt_br", "pt-BR"), ("PT", "pt-BR"),
        ("DE-AT", "de"), ("FR-CA", "fr"), ("PT-PT", None), ("ES", None), ("", None), ("EN-GB", None),
    ],
)  # fmt: skip
def test_a_language_code_names_the_locale_whose_model_serves_it(code, locale):
    assert resolve(code, LOCALES) == locale


def test_keys_are_required_once_any_is_set_and_compared_whole():
    access = Access(keys=("k1", "secret-2"))
    assert access.identify("secret-2") == "secret-2"
    for given, kind in [(None, "nokey"), ("", "nokey"), ("secret", "auth"), ("secret-22", "auth")]:
        with pytest.raises(ApiError) as exc:
            access.identify(given)
        assert (exc.value.status, exc.value.kind) == (403, kind)
    assert Access().identify(None) == ""


def test_the_rate_limit_refuses_past_a_minutes_worth_and_says_when_to_come_back(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr("newsl10n.api.access.time.monotonic", lambda: now[0])
    access = Access(keys=("a", "b"), rate=2)
    access.admit("a")
    access.admit("a")
    with pytest.raises(ApiError) as exc:
        access.admit("a")
    assert (exc.value.status, exc.value.retry_after) == (429, 30)
    access.admit("b")  # each key has its own allowance
    now[0] += 30.0  # half a minute gives one request back
    access.admit("a")
    with pytest.raises(ApiError):
        access.admit("a")


def test_the_quota_counts_characters_per_key():
    access = Access(keys=("a", "b"), quota=10)
    access.reserve("a", 10)
    access.charge("a", 10)
    with pytest.raises(ApiError) as exc:
        access.reserve("a", 1)
    assert exc.value.status == 456
    access.reserve("b", 10)
    assert (access.used("a"), access.used("b")) == (10, 0)


@pytest.mark.parametrize(
    ("text", "fmt", "pairs"),
    [
        ("ceasefire\tWaffenruhe\n\nenvoy\t Gesandter \n", "tsv", [("ceasefire", "Waffenruhe"), ("envoy", "Gesandter")]),
        ('ceasefire,Waffenruhe\n"Abu Dhabi, UAE",Abu Dhabi\n', "csv", [("ceasefire", "Waffenruhe"), ("Abu Dhabi, UAE", "Abu Dhabi")]),
        ("envoy,Gesandter,en,de\n", "csv", [("envoy", "Gesandter")]),
    ],
)
def test_glossary_entries_are_read_as_deepl_writes_them(text, fmt, pairs):
    assert parse_entries(text, fmt, "en", "de") == pairs


@pytest.mark.parametrize(
    ("text", "fmt", "message"),
    [
        ("ceasefire Waffenruhe", "tsv", "entry 1 has no tab between source and target"),
        ("a\tb\tc", "tsv", "entry 1 has 3 fields, expected 2"),
        ("a\tb\nA\tc", "tsv", "entry 2 duplicates source term 'A'"),
        ("a\t", "tsv", "entry 1 has an empty term or a control character"),
        ("a\tb\x07", "tsv", "entry 1 has an empty term or a control character"),
        ("a,b,en,fr", "csv", "entry 1 names other languages"),
        ("\n\n", "tsv", "no entries"),
    ],
)
def test_malformed_glossary_entries_are_refused_naming_the_entry(text, fmt, message):
    with pytest.raises(BadGlossary) as exc:
        parse_entries(text, fmt, "en", "de")
    assert str(exc.value) == f"Invalid glossary entries provided: {message}"


def test_a_created_glossary_is_a_checked_term_file_and_wins_over_configured_entries(tmp_path):
    store = GlossaryStore(tmp_path / "g", "en", ["de", "ar"])
    info = store.create("desk", "EN", "DE", "Steve Witkoff\tS. Witkoff\nceasefire\tWaffenruhe", "tsv")
    assert (info.name, info.source_lang, info.target_lang, info.entry_count) == ("desk", "en", "de", 2)
    [path] = (tmp_path / "g").iterdir()
    assert path.name == f"{info.glossary_id}.yaml"
    assert require_valid([path]).entries[1].targets["de"].preferred == "Waffenruhe"
    assert store.entries(info.glossary_id) == [("Steve Witkoff", "S. Witkoff"), ("ceasefire", "Waffenruhe")]
    assert [g.glossary_id for g in store.list()] == [info.glossary_id]
    assert json.loads(json.dumps(info.to_json()))["ready"] is True
    merged = SourceTerms(combined(require_valid([GLOSSARIES]), store.get(info.glossary_id)))
    [hit] = merged.find("Steve Witkoff spoke.")
    assert merged.constraint(hit, "de").forms == ("S. Witkoff",)  # the named glossary decides its terms
    assert [h.id for h in merged.find("The U.S. European Command spoke.")] == ["eucom"]  # the rest stays
    store.delete(info.glossary_id)
    assert list((tmp_path / "g").iterdir()) == [] and store.list() == []


@pytest.mark.parametrize("glossary_id", ["nope", "../../etc/passwd", "00000000-0000-0000-0000-000000000000"])
def test_an_unknown_or_malformed_glossary_id_is_unknown_and_touches_no_file(tmp_path, glossary_id):
    store = GlossaryStore(tmp_path / "g", "en", ["de"])
    with pytest.raises(UnknownGlossary):
        store.get(glossary_id)
    with pytest.raises(UnknownGlossary):
        store.delete(glossary_id)
    assert not (tmp_path / "g").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("", "en", "de"), "Parameter 'name' not specified."),
        (("x", "fr", "de"), "Value for 'source_lang' not supported."),
        (("x", "en", "ja"), "Value for 'target_lang' not supported."),
    ],
)
def test_a_glossary_with_bad_languages_is_refused_before_anything_is_written(tmp_path, args, message):
    store = GlossaryStore(tmp_path / "g", "en", ["de"])
    with pytest.raises(BadGlossary) as exc:
        store.create(*args, "a\tb", "tsv")
    assert str(exc.value) == message
    assert not (tmp_path / "g").exists()


def test_concurrent_requests_for_one_key_share_one_engine_call_and_each_gets_its_own_outputs():
    calls = []

    def run(key, jobs):
        calls.append((key, [job.sources for job in jobs]))
        return [[Translation(f"{key}:{s}") for s in job.sources] for job in jobs]

    async def main():
        batcher = MicroBatcher(run, window_s=0.05)
        results = await asyncio.gather(
            batcher.translate("de", ["a", "b"], [(), ()]),
            batcher.translate("de", ["c"], [()]),
            batcher.translate("fr", ["d"], [()]),
        )
        await batcher.close()
        return results

    results = asyncio.run(main())
    assert [[t.text for t in r] for r in results] == [["de:a", "de:b"], ["de:c"], ["fr:d"]]
    assert sorted(calls) == [("de", [("a", "b"), ("c",)]), ("fr", [("d",)])]


def test_clients_sending_one_request_after_another_regroup_into_full_calls():
    """Six clients, each sending its next request when the last is answered: after the first
    call (whatever arrived at once), each call waits for the answered clients to come back, so
    the clients do not split into groups taking turns."""
    sizes = []

    def run(key, jobs):
        time.sleep(0.02)
        sizes.append(len(jobs))
        return [[Translation(s) for s in job.sources] for job in jobs]

    async def client(batcher, n):
        for k in range(5):
            await batcher.translate("de", [f"{n}-{k}"], [()])
            await asyncio.sleep(0.002 * n)  # clients take a little while to send the next one

    async def main():
        batcher = MicroBatcher(run, window_s=0.5)
        started = time.perf_counter()
        await asyncio.gather(*(client(batcher, n) for n in range(6)))
        elapsed = time.perf_counter() - started
        await batcher.close()
        return elapsed

    elapsed = asyncio.run(main())
    assert sum(sizes) == 30 and sizes[-1] == 6 and len(sizes) <= 6
    assert elapsed < 1.5  # each call waited only until the six were back, never the whole window


def test_a_call_stops_waiting_for_clients_that_do_not_come_back_after_a_quarter_window():
    def run(key, jobs):
        return [[Translation(s) for s in job.sources] for job in jobs]

    async def main():
        batcher = MicroBatcher(run, window_s=2.0)
        await asyncio.gather(batcher.translate("de", ["a"], [()]), batcher.translate("de", ["b"], [()]))
        started = time.perf_counter()  # one of the two clients comes back, the other does not
        await batcher.translate("de", ["a2"], [()])
        waited = time.perf_counter() - started
        await batcher.close()
        return waited

    assert 0.3 < asyncio.run(main()) < 1.5  # a quarter of the window of quiet, not the window


def test_a_request_that_finds_the_engine_idle_goes_at_once():
    def run(key, jobs):
        return [[Translation(s) for s in job.sources] for job in jobs]

    async def main():
        batcher = MicroBatcher(run, window_s=5.0)
        started = time.perf_counter()
        await batcher.translate("de", ["a"], [()])
        first = time.perf_counter() - started
        await asyncio.sleep(0.05)  # a single client's next request: the one expected, so no wait
        started = time.perf_counter()
        await batcher.translate("de", ["b"], [()])
        await batcher.close()
        return first, time.perf_counter() - started

    assert all(seconds < 1.0 for seconds in asyncio.run(main()))


def test_a_failing_engine_call_fails_every_request_in_it_and_the_next_one_runs():
    def run(key, jobs):
        if any("boom" in job.sources for job in jobs):
            raise RuntimeError("engine failed")
        return [[Translation(s) for s in job.sources] for job in jobs]

    async def main():
        batcher = MicroBatcher(run, window_s=0.01)
        failed = await asyncio.gather(
            batcher.translate("de", ["boom"], [()]), batcher.translate("de", ["x"], [()]), return_exceptions=True
        )
        after = await batcher.translate("de", ["y"], [()])
        await batcher.close()
        return failed, after

    failed, after = asyncio.run(main())
    assert [type(f).__name__ for f in failed] == ["RuntimeError", "RuntimeError"]
    assert [t.text for t in after] == ["y"]


@pytest.mark.parametrize(
    ("requests", "calls"), [((2, 2, 5, 1), [[2], [2], [5], [1]]), ((1, 1, 1, 2), [[1, 1, 1], [2]])]
)
def test_a_call_takes_at_most_max_segments_so_a_big_request_cannot_hold_small_ones_long(requests, calls):
    sizes = []

    def run(key, jobs):
        sizes.append([len(job.sources) for job in jobs])
        return [[Translation(s) for s in job.sources] for job in jobs]

    async def main():
        batcher = MicroBatcher(run, window_s=0.01, max_segments=3)
        await asyncio.gather(*(batcher.translate("de", ["s"] * n, [()] * n) for n in requests))
        await batcher.close()

    asyncio.run(main())
    assert sizes == calls


def test_warm_models_keep_at_most_the_bound_and_unload_the_least_recently_used():
    loads = []

    def factory(spec):
        loads.append(spec)
        return object()

    warm = WarmModels({"de": "de-spec", "fr": "fr-spec", "ar": "ar-spec"}, factory, limit=2)  # type: ignore[arg-type]
    first = warm.get("de")
    warm.get("fr")
    assert warm.get("de") is first and loads == ["de-spec", "fr-spec"]
    warm.get("ar")  # fr was used least recently
    assert warm.loaded() == ["de", "ar"]
    warm.get("fr")
    assert warm.loaded() == ["ar", "fr"] and loads == ["de-spec", "fr-spec", "ar-spec", "fr-spec"]


@pytest.mark.parametrize(
    ("text", "share"),
    [("Hello world", 1.0), ("Привет, мир", 0.0), ("Hel мир", 0.5), ("1234 !!", 0.0)],
)
def test_detect_says_how_much_of_the_text_is_in_the_source_languages_script(text, share):
    assert script_share(text, "en") == share
