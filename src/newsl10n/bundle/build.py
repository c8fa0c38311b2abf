"""A bundle's files, built from values: the localized article (:func:`localize`), then every
file of the bundle (:func:`bundle_files`), for a fresh translation (:func:`build_bundle`, what
the pipeline and the tests call) and a post-edit alike."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timezone

from ..catalog import UIStrings, ui_msgid
from ..config import QASettings
from ..fileio import dump_json
from ..model import Article, Localized, SourceArticle, TermReport, rebuild_block
from ..qa import check_segment
from .manifest import Manifest, counts_compliance, translation_run
from .ninjs import NINJS, ninjs_document
from .pages import page_values, render_html_chunks, rich_html
from .pieces import PieceCache, entry_keys, piece_key, piece_keys, pieces
from .render import markdown_document
from .review import review_chunks
from .segments import EntryView, SegmentEntry, article_layout, placements, segment_entries, segments_json_chunks
from .store import SymLink
from .xliff import XLIFF_VERSION, xliff_chunks
from .xliff_codes import Code, article_codes

Files = dict[str, "str | Iterator[str] | SymLink"]
"""A bundle's files, name -> text (the big ones in pieces, made as they are written), or a link
kept as it was."""


def localize(
    article: Article,
    locale: str,
    targets: Mapping[str, str],
    ui: UIStrings | None = None,
    reviewed: Collection[str] = (),
    terms: Mapping[str, TermReport] | None = None,
) -> Localized:
    """The article in ``locale``: each segment replaced by its translation, layout kept; section
    and UI lines from the UI catalog ``ui`` (English where it lacks one). ``reviewed``: ids of
    post-edited segments among ``targets``; ``terms``: the glossary report per segment."""
    block_texts = {b.index: rebuild_block(b, targets) for b in article.body_blocks}
    ui_texts = {b.index: ui.gettext(ui_msgid(b.text)) for b in article.ui_blocks} if ui else {}
    text = article.render({**block_texts, **ui_texts})
    return Localized(
        article, locale, dict(targets), text, ui_texts, reviewed=frozenset(reviewed), terms=terms or {}
    )


def new_manifest(
    source: SourceArticle,
    localized: Localized,
    engine_info: Mapping[str, object],
    timings: Mapping[str, float],
    *,
    ui: UIStrings | None,
    source_lang: str,
    glossary_hash: str | None,
    source_path: str | None = None,
) -> Manifest:
    """The manifest of a freshly translated bundle; ``source_path``: the source relative to OUT."""
    counts = localized.term_counts()
    return Manifest(
        article=source.article.name,
        locale=localized.locale,
        source_file=source.path.name,
        source_path=source_path,
        source_sha256=source.sha256,
        source_lang=source_lang,
        engine=dict(engine_info),
        segments=len(source.article.segments),
        glossary_hash=glossary_hash,
        term_compliance=counts_compliance(counts, glossary_hash is not None),
        terms=counts,
        source_corrections=sum(len(c) for c in source.corrections.values()),
        timings={k: round(v, 3) for k, v in timings.items()},
        ui_catalog=ui.source if ui else None,
        ui_catalog_hash=ui.sha256 if ui else None,
        created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        run=translation_run(source.sha256, [localized.targets[s.id] for s in source.article.segments]),
    )


def build_bundle(
    source: SourceArticle,
    localized: Localized,
    engine_info: Mapping[str, object],
    *,
    ui: UIStrings | None = None,
    qa: QASettings | None = None,
    source_lang: str = "en",
    glossary_hash: str | None = None,
    timings: Mapping[str, float] | None = None,
    **recorded: object,
) -> Files:
    """Every file of a freshly translated bundle of ``source``: its manifest (:func:`new_manifest`,
    with the other :class:`Manifest` fields in ``recorded``: ``source_path``, ``tm``,
    ``confidence`` ...), its segments.json entries and the pages made from them."""
    manifest = new_manifest(
        source, localized, engine_info, timings or {}, ui=ui, source_lang=source_lang, glossary_hash=glossary_hash
    )
    manifest = replace(manifest, **recorded)  # type: ignore[arg-type]
    return bundle_files(localized, segment_entries(source, localized), manifest, ui, qa)


def bundle_files(
    localized: Localized,
    segments: Sequence[SegmentEntry],
    manifest: Manifest,
    ui: UIStrings | None = None,
    qa: QASettings | None = None,
    cache: PieceCache | None = None,
) -> Files:
    """Every file of one bundle: article.txt, article.html, segments.json, manifest.json,
    article.xlf, review.html, and for HTML/Markdown input the rich article.html (and article.md).
    ``cache``: per-segment pieces of earlier builds to reuse (:mod:`newsl10n.bundle.pieces`)."""
    created = datetime.fromisoformat(manifest.created) if manifest.created else datetime.now(timezone.utc)
    page = page_values(localized, published=created.date())
    keys = entry_keys(segments) if cache is not None else None
    files: Files = {
        "article.txt": localized.text,
        "article.html": render_html_chunks(page, ui),
        "segments.json": segments_json_chunks(segments, article_layout(localized.article), cache, keys),
        "manifest.json": dump_json(manifest.to_json()),
    }
    run, version = manifest.run_id, manifest.xliff_version or XLIFF_VERSION
    files.update(format_files(localized, segments, page, manifest.source_lang, qa, run=run, cache=cache, keys=keys,
                              xliff_version=version))  # fmt: skip
    if localized.article.format == "ninjs":
        files[NINJS] = ninjs_document(localized, manifest, placements(segments))
    return files


def format_files(
    localized: Localized,
    segments: Sequence[SegmentEntry],
    page: Mapping[str, object],
    source_lang: str,
    qa: QASettings | None = None,
    *,
    run: str = "",
    cache: PieceCache | None = None,
    keys: Sequence[bytes] | None = None,
    xliff_version: str = "2.1",
) -> dict[str, str | Iterator[str]]:
    """article.xlf and review.html always, with the QA checks' findings as flags; for
    HTML/Markdown input, article.html with the inline markup restored, and article.md for
    Markdown input. The two big files come in pieces (see :func:`newsl10n.bundle.store.write_bundle`).
    ``cache``: per-segment pieces of earlier builds to reuse (``keys``: the entries'
    :func:`~newsl10n.bundle.pieces.entry_keys`)."""
    article = localized.article
    if cache is not None and keys is None:
        keys = entry_keys(segments)
    flags = qa_flags(segments, source_lang, localized.locale, qa or QASettings(), cache, keys)
    placed = placements(segments)
    entries = _Entries(segments, flags, markup_runs(article), article_codes(article, localized.targets, placed))
    item_keys = entries.keys(keys) if keys is not None else None
    original = f"{article.name}{_SUFFIX.get(article.format, '.txt')}"
    title = str(page.get("title") or article.name)
    xliff = {"source_lang": source_lang, "target_lang": localized.locale, "original": original, "run": run,
             "version": xliff_version}  # fmt: skip
    files: dict[str, str | Iterator[str]] = {
        "article.xlf": xliff_chunks(entries, **xliff, cache=cache, keys=item_keys),
        "review.html": review_chunks(
            entries, title=title, source_lang=source_lang, target_lang=localized.locale, cache=cache, keys=item_keys
        ),
    }
    if article.format in ("html", "markdown", "ninjs"):
        files["article.html"] = rich_html(localized, page, placed)
    if article.format == "markdown":
        files["article.md"] = markdown_document(article, localized.targets, placed)
    return files


class _Entries(Sequence):
    """The segments.json entries as :class:`EntryView` items (their QA flags, formatted runs and
    XLIFF inline codes), each made when it is read (two whole copies of a big article's entries
    would double the bundle's memory)."""

    def __init__(
        self,
        segments: Sequence[SegmentEntry],
        flags: Sequence[list[str]],
        runs: Mapping[str, list[str]],
        codes: Mapping[str, list[Code]],
    ):
        self.segments, self.flags, self.runs, self.codes = segments, flags, runs, codes

    def __len__(self) -> int:
        return len(self.segments)

    def __getitem__(self, index: int) -> EntryView:  # type: ignore[override]
        entry = self.segments[index]
        runs, codes = self.runs.get(entry.id, ()), self.codes.get(entry.id, ())
        return EntryView(entry, tuple(self.flags[index]), tuple(runs), tuple(codes))

    def keys(self, entry_keys: Sequence[bytes]) -> list[bytes]:
        """Each item's :func:`piece_key`, from its entry's (``entry_keys``) and what is added to it."""
        keys = []
        for n, (entry, key) in enumerate(zip(self.segments, entry_keys, strict=True)):
            sid = entry.id
            keys.append(piece_key(key, self.flags[n], self.runs.get(sid, []), repr(self.codes.get(sid, []))))
        return keys


_SUFFIX = {"html": ".html", "markdown": ".md", "ninjs": ".json"}


def markup_runs(article: Article) -> dict[str, list[str]]:
    """Per segment id, its formatted runs (``strong: United States``), for the translator."""
    runs: dict[str, list[str]] = {}
    for block in article.blocks:
        for inline in block.inline:
            seg = next((s for s in block.segments if s.start <= inline.start and inline.end <= s.end), None)
            if seg is None or inline.end <= inline.start:
                continue
            href = dict(inline.attrs).get("href")
            text = block.text[inline.start : inline.end]
            runs.setdefault(seg.id, []).append(f"{inline.tag}: {text}" + (f" ({href})" if href else ""))
    return runs


def with_qa_flags(
    segments: Sequence[SegmentEntry], source_lang: str, target_lang: str, settings: QASettings
) -> list[EntryView]:
    """The segments.json entries with ``qa``: what ``newsl10n qa`` would report."""
    flags = qa_flags(segments, source_lang, target_lang, settings)
    return [EntryView(entry, tuple(found)) for entry, found in zip(segments, flags)]


def qa_flags(
    segments: Sequence[SegmentEntry],
    source_lang: str,
    target_lang: str,
    settings: QASettings,
    cache: PieceCache | None = None,
    keys: Sequence[bytes] | None = None,
) -> list[list[str]]:
    """Per segments.json entry, the QA checks' findings as flag lines (``cache``: those of
    segments checked before with the same values and settings are kept; ``keys``: the entries'
    :func:`~newsl10n.bundle.pieces.entry_keys`)."""

    def check(batch: list[SegmentEntry]) -> list[tuple[str, ...]]:
        found = (check_segment(entry.qa_input(source_lang, target_lang), settings) for entry in batch)
        return [tuple(f"{i.severity} {i.code}: {i.message}" for i in issues) for issues in found]

    keys_qa = piece_keys(cache, "qa", segments, keys, source_lang, target_lang, repr(settings))
    return [list(flags) for flags in pieces(segments, check, cache, keys_qa)]
