"""Translate on a Dask cluster: ``--cluster local:N`` or ``--scheduler tcp://HOST:PORT``.

Imported only when one of those options is given (it needs ``pip install "newsl10n[dask]"``).
The client keeps everything that must stay consistent: it reads the articles, looks segments
up in the translation memory (through the same wrapper as a run in one process,
:class:`newsl10n.tm.cached.MemoryExecutor`), and writes the bundles. Workers only translate: a
worker plugin loads each locale's model once, from the model reference (a hub id, or a folder
path that must exist on the worker: no shared file system is assumed), and reuses it for every
task.

A worker that dies mid-task has its task run again elsewhere by the scheduler; each result
reaches the client once, so no bundle is lost or written twice.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from distributed import (
    Client,
    KilledWorker,
    LocalCluster,
    WorkerPlugin,
    as_completed,
    get_worker,
)

from .errors import ClusterError, ConfigError, ModelNotAvailable, NewsL10nError
from .executor import Loaded, Outcome, Progress, Request
from .model import Translation
from .translate.base import Translator, make_translator
from .translate.spec import EngineSpec

PLUGIN_NAME = "newsl10n-models"
LOOPBACK = "127.0.0.1"
CONNECT_TIMEOUT_S = 30
TASKS_PER_WORKER_THREAD = 4
"""How many requests are in flight per worker thread: enough to keep workers busy, few enough
that a huge archive does not flood the scheduler."""


def parse_cluster(value: str, cores: int | None = None) -> int:
    """``local:N`` -> N worker processes, at most one per core of this machine (``cores``:
    its CPU count): each is a process with its own models, and more would only share the cores."""
    kind, _, count = value.partition(":")
    if kind != "local" or not count.isdigit() or int(count) < 1:
        raise ConfigError(f"--cluster {value!r}: expected local:N (N worker processes), e.g. local:4")
    most = cores or os.cpu_count() or 1
    if int(count) > most:
        raise ConfigError(f"--cluster {value!r}: at most local:{most} on this machine (one worker per CPU core)")
    return int(count)


@contextmanager
def connect(cluster: str | None = None, scheduler: str | None = None) -> Iterator[DaskExecutor]:
    """A DaskExecutor on a new local cluster (loopback only, no dashboard) or an existing one."""
    if cluster and scheduler:
        raise ConfigError("--cluster and --scheduler exclude each other: pass one")
    if cluster:
        workers = parse_cluster(cluster)
        with LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host=LOOPBACK,
            dashboard_address=None,
            worker_dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as local, Client(local) as client:
            yield DaskExecutor(client)
        return
    if not scheduler or "://" not in scheduler:
        raise ConfigError(f"--scheduler {scheduler!r}: expected an address such as tcp://10.0.0.5:8786")
    try:
        # direct_to_workers=False: results come through the scheduler, the one address contacted.
        client = Client(scheduler, timeout=CONNECT_TIMEOUT_S, direct_to_workers=False)
    except (OSError, TimeoutError) as exc:
        raise ConfigError(f"--scheduler {scheduler}: cannot connect ({' '.join(str(exc).split())})") from None
    with client:
        yield DaskExecutor(client)


class ModelCache(WorkerPlugin):
    """Lives on each worker: one loaded translator per engine spec, loaded on first use."""

    name = PLUGIN_NAME
    idempotent = True  # registering again (a second run on the same cluster) keeps loaded models

    def setup(self, worker) -> None:
        self.address = worker.address
        self.threads = worker.state.nthreads
        self.translators: dict[EngineSpec, tuple[Translator, float]] = {}
        self.lock = threading.Lock()

    def translator(self, spec: EngineSpec) -> tuple[Translator, float]:
        """The translator for ``spec`` and the seconds its load took on this worker."""
        with self.lock:
            if spec not in self.translators:
                started = time.perf_counter()
                translator = load_on_worker(self._worker_threads(spec), self.address)
                self.translators[spec] = (translator, time.perf_counter() - started)
            return self.translators[spec]

    def _worker_threads(self, spec: EngineSpec) -> EngineSpec:
        """``spec`` with the worker's thread count where it leaves threads to the engine: an
        engine's own default is every core of the machine, which N workers would oversubscribe."""
        if spec.decoding.threads:
            return spec
        return replace(spec, decoding=spec.decoding.model_copy(update={"threads": self.threads}))


def load_on_worker(spec: EngineSpec, address: str) -> Translator:
    """make_translator, with a clear error when a model folder exists only on the client."""
    folder = Path(spec.model)
    if folder.is_absolute() and not folder.exists():
        raise ModelNotAvailable(
            f"model folder {spec.model} for locale {spec.target_lang} does not exist on worker "
            f"{address}: workers share no file system with this machine, so copy the folder to "
            f"the same path on every worker, or use a hub id"
        )
    return make_translator(spec)


def _cache() -> ModelCache:
    """This worker's model cache; set up here when a task reaches a worker that the plugin has
    not reached yet (one started in place of a killed one)."""
    worker = get_worker()
    cache = worker.plugins.get(PLUGIN_NAME)
    if cache is None:
        cache = ModelCache()
        cache.setup(worker)
        cache = worker.plugins.setdefault(PLUGIN_NAME, cache)
    return cache


def load_models(specs: Mapping[str, EngineSpec]) -> dict[str, tuple[dict[str, object], float]]:
    """Task: load every locale's model on this worker; per locale, its description and load time."""
    loaded = {}
    for locale, spec in specs.items():
        translator, seconds = _cache().translator(spec)
        loaded[locale] = (translator.describe(), seconds)
    return loaded


def translate_request(
    spec: EngineSpec, sources: Sequence[str], constraints: object = None
) -> tuple[list[Translation], float]:
    """Task: translate one request's segments with this worker's cached model."""
    translator, _ = _cache().translator(spec)
    started = time.perf_counter()
    outputs = translator.translate(list(sources), constraints=constraints)
    return outputs, time.perf_counter() - started


@dataclass
class DaskExecutor:
    client: Client

    @contextmanager
    def session(self, specs: Mapping[str, EngineSpec]) -> Iterator[DaskSession]:
        """Register the model plugin and load every model on every worker before any task runs,
        so a model that cannot load fails the run once, before anything is written.

        The load tasks prefer their worker but may run elsewhere: if a worker dies meanwhile, its
        replacement loads models lazily, on its first task.
        """
        self.client.register_plugin(ModelCache())
        workers = self._workers()
        futures = [
            self.client.submit(
                load_models, dict(specs), workers=[w], allow_other_workers=True, pure=False,
                key=f"newsl10n-load-{uuid.uuid4().hex}",
            )
            for w in workers
        ]  # fmt: skip
        try:
            per_worker = self.client.gather(futures)
        except (KilledWorker, OSError) as exc:
            reason = " ".join(str(exc).split())
            raise ClusterError(f"Dask workers failed while loading models ({type(exc).__name__}: {reason})") from None
        finally:
            self.client.cancel(futures)
        loaded = Loaded()
        for locale in specs:
            loaded.engine_info[locale] = per_worker[0][locale][0]
            loaded.load_seconds[locale] = max(w[locale][1] for w in per_worker)
        slots = sum(info["nthreads"] for info in self.client.scheduler_info()["workers"].values())
        yield DaskSession(self.client, dict(specs), loaded, max(1, slots) * TASKS_PER_WORKER_THREAD)

    def _workers(self) -> list[str]:
        workers = list(self.client.scheduler_info()["workers"])
        if not workers:
            try:
                self.client.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)
            except TimeoutError:
                raise ConfigError(
                    f"the Dask scheduler has no workers (waited {CONNECT_TIMEOUT_S} s)"
                ) from None
            workers = list(self.client.scheduler_info()["workers"])
        return workers


@dataclass
class DaskSession:
    client: Client
    specs: dict[str, EngineSpec]
    loaded: Loaded
    window: int

    def translate(self, requests: Sequence[Request], progress: Progress | None = None) -> Iterator[Outcome]:
        """Submit requests (at most ``window`` in flight) and yield each outcome once, as it ends.

        A task error (a model that failed to load on a new worker) cancels the rest and raises.
        """
        pending = iter(requests)
        by_future = {}
        run = uuid.uuid4().hex[:8]
        counter = itertools.count()

        def submit(request: Request):
            future = self.client.submit(
                translate_request, self.specs[request.locale], request.sources, request.constraints,
                key=f"newsl10n-translate-{run}-{next(counter)}", pure=False,
            )  # fmt: skip
            by_future[future] = request
            return future

        running = as_completed([submit(r) for r in itertools.islice(pending, self.window)])
        try:
            for future in running:
                request = by_future[future]
                translations, seconds = _result(future, request)
                del by_future[future]
                for more in itertools.islice(pending, 1):
                    running.add(submit(more))
                if progress:
                    progress(request.weight)
                yield Outcome(request, translations, seconds)
        finally:
            if by_future:
                self.client.cancel(list(by_future))


def _result(future, request: Request) -> tuple[list[Translation], float]:
    """A task's result; cluster failures become one-line errors (the bundles so far are kept)."""
    try:
        return future.result()
    except KilledWorker:
        raise ClusterError(
            f"the workers translating into {request.locale} died repeatedly (out of memory?); "
            "bundles written so far are kept: run again to resume"
        ) from None
    except OSError as exc:
        raise ClusterError(
            f"lost the Dask scheduler ({' '.join(str(exc).split())}); "
            "bundles written so far are kept: run again to resume"
        ) from None
    except NewsL10nError:
        raise
    except Exception as exc:  # a task that failed on a worker in a way this code did not foresee
        reason = " ".join(str(exc).split())[:300]
        raise ClusterError(
            f"a task translating into {request.locale} failed on a Dask worker ({type(exc).__name__}: {reason}); "
            "bundles written so far are kept: run again to resume"
        ) from None
