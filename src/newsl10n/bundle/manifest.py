"""manifest.json: what made a bundle (source checksum, engine signature, glossary, catalog) and
what it holds (segments, term counts, timings). One type, written and read here."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields

from .. import __version__
from ..errors import InputError
from ..translate.spec import EngineSignature

MANIFEST = "manifest.json"
FORMAT_VERSION = 2
"""manifest.json's layout: 2 holds the engine description as one object (``engine``); 1, before
``format_version`` was written, had its keys at the top level."""


@dataclass
class Manifest:
    """One bundle's manifest. ``engine`` holds the engine's description
    (:meth:`EngineSignature.describe`), written and read back whole as one object, so that the
    signature it gives (:attr:`signature`) is the one the run had, whatever the engine; keys
    this version does not know are kept in ``extra``."""

    article: str
    locale: str
    source_file: str = ""
    source_path: str | None = None
    """The source file relative to the output folder (a bundle of another file with the same
    stem is told apart by it); None in bundles written before it was recorded."""
    source_sha256: str = ""
    source_lang: str = "en"
    engine: dict[str, object] = field(default_factory=dict)
    tm: dict[str, int] | None = None
    """The translation memory's hits and misses for this bundle; None without a memory."""
    segments: int = 0
    glossary_hash: str | None = None
    term_compliance: float | None = None
    term_success_lemmatised: float | None = None
    """WMT 2023 terminology task's term success (lemmatised matching), beside exact compliance."""
    terms: dict[str, int] = field(default_factory=dict)
    source_corrections: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    ui_catalog: str | None = None
    ui_catalog_hash: str | None = None
    """sha256 of the compiled UI catalog the pages were rendered with."""
    created: str = ""
    run: str | None = None
    reviewed_segments: int | None = None
    imported: str | None = None
    confidence: dict[str, object] | None = None
    """The machine segments' confidences in brief (:func:`newsl10n.qe.scoring.distribution`); None
    without confidence (``qe.enabled: false``, or a bundle of an older newsl10n)."""
    xliff_version: str | None = None
    """The XLIFF version of the bundle's article.xlf (``xliff.version``); None: the default, 2.1."""
    newsl10n_version: str = __version__
    extra: dict[str, object] = field(default_factory=dict)

    ORDER = (
        "format_version", "newsl10n_version", "article", "source_file", "source_path", "source_sha256", "source_lang",
        "locale", "engine", "tm", "segments", "glossary_hash", "term_compliance", "term_success_lemmatised", "terms",
        "source_corrections", "timings", "ui_catalog", "ui_catalog_hash", "created", "run", "reviewed_segments",
        "imported", "confidence", "xliff_version",
    )  # fmt: skip
    OPTIONAL = frozenset(
        {"source_path", "tm", "term_success_lemmatised", "run", "reviewed_segments", "imported", "confidence",
         "xliff_version"}
    )  # fmt: skip
    """Written only once set (``source_path``, ``tm``, ``run`` and ``xliff_version`` by a run, the
    others by a post-edit)."""

    @property
    def run_id(self) -> str:
        """The translation run the bundle's machine text comes from (post-edits keep it): what an
        XLIFF file names, so that a file of another run is refused. Bundles written before
        ``run`` was recorded fall back to their source checksum and creation time."""
        return self.run or hashlib.sha256(f"{self.source_sha256} {self.created}".encode()).hexdigest()[:16]

    @property
    def signature(self) -> EngineSignature:
        """What made the bundle's machine text: the one way to get a bundle's signature (resume,
        the memory, ``score`` and the review editor all ask here)."""
        return EngineSignature.from_description(self.engine)

    @property
    def model(self) -> str:
        return str(self.engine.get("model", ""))

    @property
    def format_version(self) -> int:
        return FORMAT_VERSION

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {}
        for name in self.ORDER:
            value = getattr(self, name)
            if name not in self.OPTIONAL or value is not None:
                data[name] = dict(value) if name == "engine" else value
        data.update(self.extra)
        return data

    @classmethod
    def from_json(cls, data: object, *, source: str) -> Manifest:
        """A manifest of this format or an older one (format 1: the engine description's keys
        at the top level); a newer one is refused, naming the file."""
        if not isinstance(data, dict):
            raise InputError(f"{source}: expected a JSON object")
        version = data.get("format_version", 1)
        if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= FORMAT_VERSION:
            raise InputError(
                f"{source}: manifest format {version!r} is not one this newsl10n reads (1 to {FORMAT_VERSION}); "
                "a newer newsl10n wrote it?"
            )
        own = {f.name for f in fields(cls)} - {"engine", "extra"}
        if version == 1:
            engine = EngineSignature.flat_description(data)
        elif isinstance(data.get("engine", {}), dict):
            engine = dict(data.get("engine", {}))
        else:
            raise InputError(f"{source}: 'engine' must be an object (the engine's description)")
        values = {k: v for k, v in data.items() if k in own}
        skip = own | {"format_version"} | ({"engine"} if version > 1 else set(engine))
        try:
            return cls(**values, engine=engine, extra={k: v for k, v in data.items() if k not in skip})
        except TypeError as exc:
            raise InputError(f"{source}: not a bundle manifest ({exc})") from None

    @classmethod
    def fallback(cls, article: str, locale: str) -> Manifest:
        """For a bundle without manifest.json: article and locale from its folder names."""
        return cls(article=article, locale=locale)


def counts_compliance(counts: Mapping[str, int], glossary: bool) -> float | None:
    """Share of a bundle's glossary terms kept (enforced or present); 1.0 with a glossary and no
    term, None without a glossary."""
    ok = counts.get("enforced", 0) + counts.get("present", 0)
    if counts.get("total"):
        return round(ok / counts["total"], 4)
    return 1.0 if glossary else None


def translation_run(source_sha256: str, targets: Sequence[str]) -> str:
    """The id of a translation run: its source and its machine text, so that the same output
    (a run repeated, a cluster run beside a local one) has the same id."""
    digest = hashlib.sha256(source_sha256.encode())
    for target in targets:
        digest.update(b"\0" + target.encode("utf-8"))
    return digest.hexdigest()[:16]
