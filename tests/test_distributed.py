"""Translation on a 2-worker Dask LocalCluster on loopback, with the tiny models.

One cluster for the module (starting one costs seconds). The fault test kills a worker process;
its nanny starts a fresh one, so the cluster is whole again for later tests.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsl10n.batch import ArticleInput
from newsl10n.cli import app
from newsl10n.config import load_config
from newsl10n.errors import ModelNotAvailable
from newsl10n.progress import SilentReporter
from helpers import translate_run

pytest.importorskip("distributed")

ARTICLE = (
    "Talks resume in Geneva\n"
    "\n"
    "The {n} delegations met on Monday after a long pause. They agreed to meet again in May.\n"
    "\n"
    "What comes next\n"
    "\n"
    "Officials said {n} working groups would start at once. A report is due by the end of the year.\n"
)
COUNTS = ["two", "three", "four", "five", "six", "seven", "eight", "nine"]


@pytest.fixture
def config_file(config_file):
    """The shared test config with one engine thread, as each Dask worker has."""
    text = config_file.read_text(encoding="utf-8")
    config_file.write_text(text.replace("max_length: 64}", "max_length: 64, threads: 1}"), encoding="utf-8")
    assert "threads: 1" in config_file.read_text(encoding="utf-8")
    return config_file


@pytest.fixture
def long_outputs(config_file):
    """The random models write up to 256 tokens a segment instead of 64: each task lasts long
    enough that a worker still holds one when the first bundle is done, however idle the
    machine (with 64, a quiet machine could finish every task in flight first)."""
    text = config_file.read_text(encoding="utf-8")
    config_file.write_text(text.replace("max_length: 64,", "max_length: 256,"), encoding="utf-8")
    assert "max_length: 256," in config_file.read_text(encoding="utf-8")
    return config_file


@pytest.fixture(scope="module")
def executor():
    from newsl10n.distributed import connect

    with connect(cluster="local:2") as dask_executor:
        yield dask_executor


@pytest.fixture
def archive(tmp_path) -> list[ArticleInput]:
    items = []
    for n in COUNTS:
        path = tmp_path / "archive" / f"talks-{n}.txt"
        path.parent.mkdir(exist_ok=True)
        path.write_text(ARTICLE.format(n=n), encoding="utf-8")
        items.append(ArticleInput(path, path.stem))
    return items


def run(config_file, items, out, **options):
    return translate_run(config_file, items, ["de", "ar"], out=out, **options)


def bundle_contents(out: Path) -> dict[str, object]:
    """Every bundle file under ``out``; manifests without their creation time and timings."""
    contents: dict[str, object] = {}
    for path in sorted(out.glob("*/*/*")):  # OUT/<article>/<locale>/<file>; not the memory file
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            if path.name == "manifest.json":
                data = json.loads(text)
                del data["created"], data["timings"]
                text = data
            contents[str(path.relative_to(out))] = text
    return contents


def test_cluster_listens_on_loopback_only(executor):
    import sys

    import psutil

    info = executor.client.scheduler_info()
    assert info["address"].startswith("tcp://127.0.0.1:")
    assert len(info["workers"]) == 2
    for address, worker in info["workers"].items():
        assert address.startswith("tcp://127.0.0.1:") and worker["nanny"].startswith("tcp://127.0.0.1:")
    # Scheduler and nannies live in this process, workers in their own: every socket any of them
    # listens on (the scheduler's small HTTP endpoint included) is bound to loopback.
    processes = [psutil.Process(), *(psutil.Process(pid) for pid in executor.client.run(os.getpid).values())]
    listening = [
        c.laddr.ip for p in processes for c in p.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN
    ]
    assert len(listening) >= 5 and set(listening) == {"127.0.0.1"}
    assert "distributed.dashboard.scheduler" not in sys.modules  # no dashboard served


def test_cluster_output_identical_to_single_process(executor, config_file, archive, tmp_path):
    local = run(config_file, archive, tmp_path / "local")
    remote = run(config_file, archive, tmp_path / "cluster", executor=executor)
    assert len(local.bundles) == len(remote.bundles) == 16
    expected = bundle_contents(tmp_path / "local")
    assert len(expected) == 16 * 6  # article.txt, .html, .xlf, review.html, segments.json, manifest.json
    assert bundle_contents(tmp_path / "cluster") == expected


GLOSSARY = """domain: test
source_lang: en
entries:
  - id: geneva
    source: Geneva
    targets: {de: Genf, ar: جنيف}
"""


def memory_entries(out: Path) -> list[tuple]:
    """Every entry of the run's memory, without the time it was written."""
    from newsl10n.tm.store import TranslationMemory

    with TranslationMemory(out / ".newsl10n-tm.sqlite") as memory:
        return sorted((e.locale, e.source, e.target, e.forced, e.method, e.model, e.glossary, e.decoding, e.reviewed,
                       e.machine, e.scores) for e in memory.entries())  # fmt: skip


@pytest.mark.slow
def test_a_cluster_runs_memory_entries_equal_a_local_runs(executor, config_file, archive, tmp_path):
    """Issue 25: the client stored only the text of what workers translated, so a later hit
    reported its forced terms as the model's own and ``qe fit`` found no scores."""
    from newsl10n.terms.files import require_valid

    (tmp_path / "terms.yaml").write_text(GLOSSARY, encoding="utf-8")
    glossary = require_valid([tmp_path / "terms.yaml"])
    run(config_file, archive, tmp_path / "local", glossary=glossary)
    run(config_file, archive, tmp_path / "cluster", executor=executor, glossary=glossary)
    local = memory_entries(tmp_path / "local")
    assert len(local) == 2 * (4 + 2 * len(COUNTS))  # per locale: 4 texts every article has, 2 its own
    assert memory_entries(tmp_path / "cluster") == local
    assert all(scores is not None for *_, scores in local)
    assert {forced for _, source, _, forced, *_ in local if "Geneva" in source} == {("geneva",)}


class KillOneWorker(SilentReporter):
    """When the first bundle is done (or the first after it, while a worker holds a task), kills
    (SIGKILL, by its pid) a worker that holds a task."""

    def __init__(self, client):
        self.client = client
        self.pids = client.run(os.getpid)
        self.killed: int | None = None
        self.lost_tasks: list[str] = []

    def advance(self, count: float) -> None:
        if self.killed is None:
            busy = {w: keys for w, keys in self.client.processing().items() if keys}
            if not busy:  # the workers finished every task in flight meanwhile (a loaded machine)
                return
            address = sorted(busy)[0]
            self.lost_tasks = [str(k) for k in busy[address]]
            self.killed = self.pids[address]
            os.kill(self.killed, signal.SIGKILL)


def test_worker_killed_mid_run_loses_nothing(executor, long_outputs, archive, tmp_path, monkeypatch):
    config_file = long_outputs
    import newsl10n.pipeline as pipeline

    written: list[Path] = []
    real_write = pipeline.write_bundle

    def counting_write(target, files):
        written.append(target)
        real_write(target, files)

    monkeypatch.setattr(pipeline, "write_bundle", counting_write)
    run(config_file, archive, tmp_path / "local")
    written.clear()
    reporter = KillOneWorker(executor.client)
    result = run(config_file, archive, tmp_path / "cluster", executor=executor, reporter=reporter)
    assert reporter.killed is not None
    assert reporter.lost_tasks and all(k.startswith("newsl10n-translate-") for k in reporter.lost_tasks)
    executor.client.wait_for_workers(2, timeout=120)  # the nanny restarts the killed worker
    assert reporter.killed not in executor.client.run(os.getpid).values()
    assert len(result.bundles) == 16
    assert sorted(written) == sorted(set(written)) and len(written) == 16  # each bundle written once
    assert bundle_contents(tmp_path / "cluster") == bundle_contents(tmp_path / "local")
    leftovers = [p for p in (tmp_path / "cluster").rglob(".*") if not p.name.startswith(".newsl10n-tm.sqlite")]
    assert leftovers == []


def test_model_that_fails_to_load_gives_the_local_error_once(executor, config_file, archive, tmp_path, tiny_models):
    broken = tmp_path / "broken-model"
    broken.mkdir()
    for item in tiny_models["de"].iterdir():
        (broken / item.name).write_bytes(item.read_bytes())
    (broken / "config.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelNotAvailable) as local:
        run(config_file, archive, tmp_path / "out", overrides={"de": str(broken)})
    with pytest.raises(ModelNotAvailable) as remote:
        run(config_file, archive, tmp_path / "out", overrides={"de": str(broken)}, executor=executor)
    assert str(remote.value) == str(local.value)
    assert str(broken) in str(local.value) and "Expecting property name" in str(local.value)
    assert not (tmp_path / "out").exists()


def test_model_folder_missing_on_a_worker_says_so(tiny_models):
    from newsl10n.distributed import load_on_worker
    from newsl10n.translate.spec import engine_specs

    spec = engine_specs(load_config(None), ["de"], {"de": str(tiny_models["de"])})["de"]
    moved = type(spec)(**{**spec.__dict__, "model": "/nonexistent/models/en-de"})
    with pytest.raises(ModelNotAvailable) as err:
        load_on_worker(moved, "tcp://10.0.0.7:40000")
    assert str(err.value) == (
        "model folder /nonexistent/models/en-de for locale de does not exist on worker tcp://10.0.0.7:40000: "
        "workers share no file system with this machine, so copy the folder to the same path on every "
        "worker, or use a hub id"
    )


@pytest.mark.slow
def test_cli_on_an_existing_scheduler_then_resume(executor, config_file, archive, tmp_path):
    address = executor.client.scheduler.address
    folder = str(archive[0].path.parent)
    args = ["translate", folder, "--to", "de", "-c", str(config_file), "-q", "--scheduler", address]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    assert first.output.count("[de]: 6 segments") == 8
    assert len(list((tmp_path / "out").glob("*/de/manifest.json"))) == 8
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0
    assert again.output == "8 bundles already current, kept (--force translates them again)\n"


@pytest.mark.slow
def test_workers_dying_repeatedly_is_a_one_line_error(executor, long_outputs, archive, tmp_path):
    config_file = long_outputs
    from newsl10n.errors import ClusterError

    def allowed_failures(dask_scheduler, value):
        previous, dask_scheduler.allowed_failures = dask_scheduler.allowed_failures, value
        return previous

    previous = executor.client.run_on_scheduler(allowed_failures, value=0)  # the first death is fatal
    try:
        with pytest.raises(ClusterError) as err:
            run(config_file, archive, tmp_path / "out", executor=executor, reporter=KillOneWorker(executor.client))
    finally:
        executor.client.run_on_scheduler(allowed_failures, value=previous)
        executor.client.wait_for_workers(2, timeout=120)
    assert str(err.value).endswith(
        "died repeatedly (out of memory?); bundles written so far are kept: run again to resume"
    )
    assert 1 <= len(list((tmp_path / "out").glob("*/*/manifest.json"))) < 16


def test_workers_load_engines_with_their_own_thread_count(config_file, tiny_models):
    from types import SimpleNamespace

    from newsl10n.distributed import ModelCache
    from newsl10n.translate.spec import engine_specs

    text = config_file.read_text(encoding="utf-8").replace(", threads: 1}", "}")  # engine default
    config_file.write_text(text, encoding="utf-8")
    spec = engine_specs(load_config(config_file), ["de"], {"de": str(tiny_models["de"])})["de"]
    assert spec.decoding.threads == 0
    cache = ModelCache()
    cache.setup(SimpleNamespace(address="tcp://127.0.0.1:40000", state=SimpleNamespace(nthreads=1)))
    translator, _ = cache.translator(spec)
    assert translator.spec.decoding.threads == 1
    assert cache.translator(spec)[0] is translator  # cached under the spec the client sent


def test_a_task_on_a_worker_the_plugin_has_not_reached_sets_it_up(monkeypatch):
    """A worker started in place of a killed one may run a task before the scheduler hands it the
    model plugin: the task sets the cache up instead of failing with KeyError (issue 27)."""
    from types import SimpleNamespace

    from newsl10n import distributed

    worker = SimpleNamespace(address="tcp://127.0.0.1:1", state=SimpleNamespace(nthreads=1), plugins={})
    monkeypatch.setattr(distributed, "get_worker", lambda: worker)
    cache = distributed._cache()
    assert isinstance(cache, distributed.ModelCache) and worker.plugins[distributed.PLUGIN_NAME] is cache
    assert distributed._cache() is cache and cache.translators == {}


def test_an_unforeseen_task_error_is_one_line():
    from newsl10n import distributed
    from newsl10n.errors import ClusterError
    from newsl10n.executor import Request

    class Failed:
        def result(self):
            raise KeyError("newsl10n-models")

    with pytest.raises(ClusterError) as err:
        distributed._result(Failed(), Request(None, "de", ("A.",), None))
    assert str(err.value) == (
        "a task translating into de failed on a Dask worker (KeyError: 'newsl10n-models'); "
        "bundles written so far are kept: run again to resume"
    )
