"""A small *trained* Marian model that copies English into English, for term placement tests.

A random-weight model cannot show where a forced term lands; this one really places tokens:
whatever it is given, it writes back, piece by piece. Map it to de, fr and es and every forced
glossary term must sit where its source term was. It copies by *position*: after a forced term
whose length differs from the source span, what follows drifts, so only the words before a term
are evidence of placement.

The recipe (ENGINE_FACTS, "A small trained model that places tokens"): d_model 128, 2+2 layers,
one joint unigram SentencePiece of about 2,000 pieces trained on English prose found on this
machine (installed packages' READMEs and docstrings, the sample article), spelling lines for
German, French and Spanish letters and typographic punctuation, the glossaries' de/fr/es target
terms; labels = input ids; real, perturbed and random-piece sequences; short copies first.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import random
import re
import shutil
import sysconfig
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from pathlib import Path

from .randommodels import Architecture, marian_config, save_marian, write_marian_tokenizer

ARCHITECTURE = Architecture(d_model=128, layers=2, heads=4, ffn=512, vocab_size=2000)
PIECES = 2000
STEPS = 1600
WARMUP_STEPS = 200
LEARNING_RATE = 2e-3
BATCH_TOKENS = 1600  # pieces per batch; short copies come in larger batches ...
BATCH_ROWS = 128  # ... of at most this many rows
MIN_LENGTH, MAX_LENGTH = 6, 128  # pieces, source and target alike
CURRICULUM = 0.5  # share of the steps over which the longest copy grows to MAX_LENGTH
MIX = {"real": 0.5, "perturbed": 0.3, "random": 0.2}
THREADS = 2
SENTENCE_LIMIT = 20000
DOCSTRING_FILES = 400

SPELLING = [
    "Äpfel, Öl und Übermut: Größe, Maß, Straße, Fuß, weiß, süß, schön, müde, hören, Bär.",
    "ä ö ü ß Ä Ö Ü ẞ",
    "Élève, été, père, mère, fête, forêt, où, à, ça, garçon, cœur, œuvre, Noël, naïf, maïs.",
    "é è ê ë à â î ï ô û ù ü ÿ ç œ æ É È Ê À Â Î Ô Û Ç Œ Æ",
    "¿Dónde está el niño? ¡Qué año! Mañana, canción, corazón, árbol, único, pingüino, ñandú.",
    "ñ á é í ó ú ü Ñ Á É Í Ó Ú Ü ¿ ¡ º ª",
    "„Ja“, sagte sie. “Yes,” he said. ‘No,’ she said. «Oui», dit-il. « Non », dit-elle.",
    "„ “ ” ‘ ’ « » ‹ › – — … · • € £ $ % § ° ‰ ′ ″",
    "Between 1990–2000 — as expected … prices rose 3 % to €12,50 (about £10.40).",
]
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“(])")
_CODE_CHARS = re.compile(r"[`{}\[\]<>=_\\|#*$@^~]|://|\.\.\.|\s{2,}")


# -- corpus ---------------------------------------------------------------------------------


def prose_sentences(text: str) -> list[str]:
    """Sentences of English prose in ``text``: paragraphs joined, code, markup and lists left out."""
    out = []
    for paragraph in re.split(r"\n\s*\n", text):
        joined = " ".join(line.strip() for line in paragraph.splitlines())
        for sentence in _SENTENCE_END.split(joined):
            if _is_prose(sentence):
                out.append(sentence)
    return out


def _is_prose(sentence: str) -> bool:
    if not 25 <= len(sentence) <= 240 or not sentence[0].isupper() or sentence[-1] not in ".!?":
        return False
    if _CODE_CHARS.search(sentence):
        return False
    letters = sum(c.isalpha() or c == " " for c in sentence)
    return letters / len(sentence) > 0.88 and len(sentence.split()) >= 5


def package_texts(site: Path, docstring_files: int = DOCSTRING_FILES) -> Iterable[str]:
    """Package descriptions (dist-info METADATA), READMEs and docstrings under ``site``, in a
    fixed order so that the same installed packages give the same corpus."""
    docs = sorted(site.glob("*.dist-info/METADATA")) + sorted(
        p for p in site.rglob("*") if p.suffix in (".md", ".rst") and p.is_file() and _own(p, site)
    )
    for path in docs:
        yield path.read_text(encoding="utf-8", errors="replace")
    sources = sorted(p for p in site.rglob("*.py") if "test" not in p.as_posix().lower() and _own(p, site))
    for path in sources[:: max(1, len(sources) // docstring_files)][:docstring_files]:
        yield from _docstrings(path)


def _own(path: Path, site: Path) -> bool:
    """Not inside an installed package's folder (the standard library holds site-packages)."""
    return not {"site-packages", "dist-packages"} & set(path.relative_to(site).parts)


def _docstrings(path: Path) -> list[str]:
    try:
        tree = ast.parse(path.read_bytes())
    except (SyntaxError, ValueError, OSError):
        return []
    kinds = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    return [d for node in ast.walk(tree) if isinstance(node, kinds) and (d := ast.get_docstring(node))]


def corpus_lines(site: Path | None = None) -> list[str]:
    """The training text: English prose sentences from the docstrings and documents of Python's
    own standard library (deduplicated, at most SENTENCE_LIMIT) and the spelling lines.

    Nothing of this repository nor of the installed packages goes in: the articles the tests and
    the placement bench translate stay unseen, and a new dependency, an edited glossary or a new
    example article does not change the model (SentencePiece spells any term from the letters
    the spelling lines cover)."""
    site = site or Path(sysconfig.get_paths()["stdlib"])
    seen: dict[str, None] = {}
    for text in package_texts(site):
        for sentence in prose_sentences(text):
            seen.setdefault(sentence)
        if len(seen) >= SENTENCE_LIMIT:
            break
    return list(seen)[:SENTENCE_LIMIT] + SPELLING


# -- training examples ------------------------------------------------------------------------

_ACCENTS = {"a": "äáàâ", "e": "éèêë", "i": "íîï", "o": "öóôœ", "u": "üúûù", "n": "ñ", "c": "ç", "s": "ß"}
_QUOTES = [("“", "”"), ("„", "“"), ("«\u00a0", "\u00a0»"), ("«", "»"), ("‘", "’"), ('"', '"'), ("(", ")")]
_SYLLABLES = ("ka", "lo", "mi", "zu", "ber", "tan", "vel", "os", "ri", "dra", "quen", "fal", "mor", "ix", "eth",
              "yun", "gre", "sal", "pe", "tor")


def perturb(sentence: str, rng: random.Random) -> str:
    """``sentence`` with one or two changes a news text has: numbers, accented letters, a made-up
    name, quotes or parentheses around some words, a dash."""
    for change in rng.sample(_CHANGES, rng.choice((1, 2))):
        sentence = change(sentence, rng)
    return sentence


def _numbers(s: str, rng: random.Random) -> str:
    forms = [
        lambda: str(rng.randrange(10 ** rng.randint(1, 4))),
        lambda: f"{rng.randrange(1, 999)},{rng.randrange(1000):03d}",
        lambda: f"{rng.randrange(1, 99)}.{rng.randrange(10)} billion",
        lambda: f"{rng.randrange(1, 13)}:{rng.randrange(60):02d}",
        lambda: str(rng.randrange(1900, 2040)),
    ]
    if re.search(r"\d", s):
        return re.sub(r"\d+", lambda m: str(rng.randrange(10 ** len(m.group()))), s)
    words = s.split(" ")
    words.insert(rng.randrange(len(words) + 1), rng.choice(forms)())
    return " ".join(words)


def _accents(s: str, rng: random.Random) -> str:
    return "".join(rng.choice(_ACCENTS[c]) if c in _ACCENTS and rng.random() < 0.15 else c for c in s)


def _name(s: str, rng: random.Random) -> str:
    def word() -> str:
        return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(1, 3))).capitalize()

    name = " ".join(word() for _ in range(rng.randint(1, 3)))
    words = s.split(" ")
    words.insert(rng.randrange(len(words) + 1), _accents(name, rng))
    return " ".join(words)


def _quotes(s: str, rng: random.Random) -> str:
    words = s.split(" ")
    start = rng.randrange(len(words))
    end = rng.randint(start + 1, min(len(words), start + 6))
    left, right = rng.choice(_QUOTES)
    words[start], words[end - 1] = left + words[start], words[end - 1] + right
    return " ".join(words)


def _dash(s: str, rng: random.Random) -> str:
    words = s.split(" ")
    words.insert(rng.randrange(1, len(words) + 1), rng.choice("–—…"))
    return " ".join(words)


_CHANGES: list[Callable[[str, random.Random], str]] = [_numbers, _accents, _name, _quotes, _dash]


def max_length_at(step: int, steps: int) -> int:
    """The length curriculum: the longest copy grows linearly from MIN_LENGTH to MAX_LENGTH."""
    grown = min(1.0, step / max(1, CURRICULUM * steps))
    return int(MIN_LENGTH + (MAX_LENGTH - MIN_LENGTH) * grown)


def example(sentences: Sequence[str], encode, piece_ids: Sequence[int], limit: int, rng: random.Random):
    """One copy example of at most ``limit`` pieces (EOS included): a real sentence, a perturbed
    one or random pieces; a longer one is cut to a random window."""
    kind = rng.choices(list(MIX), weights=list(MIX.values()))[0]
    if kind == "random":
        ids = [rng.choice(piece_ids) for _ in range(rng.randint(1, limit - 1))]
    else:
        text = rng.choice(sentences)
        ids = encode(perturb(text, rng) if kind == "perturbed" else text)
        if len(ids) > limit - 1:
            start = rng.randrange(len(ids) - (limit - 1) + 1)
            ids = ids[start : start + limit - 1]
    return ids + [0]


# -- build ------------------------------------------------------------------------------------


def build_copy_model(
    out_dir: Path,
    *,
    target_lang: str = "de",
    seed: int = 0,
    steps: int = STEPS,
    budget_seconds: float | None = None,
    corpus: Sequence[str] | None = None,
    log: Callable[[str], None] | None = None,
) -> Path:
    """Train the copy model and write its folder (safetensors, MarianTokenizer) to ``out_dir``.

    Deterministic for a given corpus and seed. ``budget_seconds`` stops training early if it
    runs past that (the result then depends on the machine's speed); ``steps`` sets the
    schedule. ``target_lang`` only labels the tokenizer: MarianTokenizer uses it for nothing.
    """
    import sentencepiece as spm
    import torch
    from transformers import MarianMTModel

    out_dir = Path(out_dir)
    lines = list(corpus) if corpus is not None else corpus_lines()
    vocab = write_marian_tokenizer(
        out_dir, lines, pieces=PIECES, split_digits=True, source_lang="en", target_lang=target_lang
    )
    processor = spm.SentencePieceProcessor(model_file=str(out_dir / "source.spm"))
    unk = vocab["<unk>"]

    def encode(text: str) -> list[int]:
        return [vocab.get(p, unk) for p in processor.encode(text, out_type=str)]

    piece_ids = [i for p, i in vocab.items() if p not in ("</s>", "<unk>", "<pad>")]
    config = marian_config(vocab, ARCHITECTURE)
    config.dropout = config.attention_dropout = config.activation_dropout = 0.0
    with torch_threads(THREADS):
        torch.manual_seed(seed)
        model = MarianMTModel(config)
        started = time.monotonic()
        rng = random.Random(seed)
        train(model, lines, encode, piece_ids, vocab["<pad>"], rng, steps, budget_seconds, log)
        model.eval()
    save_marian(model, out_dir, vocab)
    (out_dir / "README.md").write_text(
        "en->en copy model built by newsl10n.copymodel for term placement tests:\n"
        "it writes back what it is given. Never a translation model.\n"
        f"Trained {time.monotonic() - started:.0f} s, {steps} steps, seed {seed}.\n",
        encoding="utf-8",
    )
    return out_dir


def train(model, lines, encode, piece_ids, pad, rng, steps, budget_seconds, log) -> None:
    import torch

    optimizer = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE, betas=(0.9, 0.98), weight_decay=0.0)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: _learning_rate_factor(s, steps))
    model.train()
    started = time.monotonic()
    for step in range(steps):
        limit = max_length_at(step, steps)
        batch = [example(lines, encode, piece_ids, limit, rng) for _ in range(_rows(limit))]
        inputs, mask, labels = _tensors(batch, pad)
        loss = model(input_ids=inputs, attention_mask=mask, labels=labels).loss
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        if log and step % 100 == 0:
            log(f"step {step} length {limit} loss {loss.item():.3f} {time.monotonic() - started:.0f}s")
        if budget_seconds is not None and time.monotonic() - started > budget_seconds:
            break


def _rows(limit: int) -> int:
    return max(8, min(BATCH_ROWS, BATCH_TOKENS // limit))


def _learning_rate_factor(step: int, steps: int) -> float:
    """Linear warm-up, then linear decay to a tenth."""
    if step < WARMUP_STEPS:
        return (step + 1) / WARMUP_STEPS
    return max(0.1, 1 - 0.9 * (step - WARMUP_STEPS) / max(1, steps - WARMUP_STEPS))


def _tensors(batch: list[list[int]], pad: int):
    import torch

    width = max(len(ids) for ids in batch)
    inputs = torch.full((len(batch), width), pad, dtype=torch.long)
    labels = torch.full((len(batch), width), -100, dtype=torch.long)
    for row, ids in enumerate(batch):
        inputs[row, : len(ids)] = torch.tensor(ids)
        labels[row, : len(ids)] = torch.tensor(ids)
    return inputs, inputs != pad, labels


@contextmanager
def torch_threads(count: int):
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)


# -- cache ------------------------------------------------------------------------------------


def default_cache_root() -> Path:
    return Path(os.environ.get("NEWSL10N_CACHE") or Path.home() / ".cache" / "newsl10n")


def recipe_key(lines: Sequence[str]) -> str:
    """What determines the model: the constants and training code of this module (not its
    cache code or docs), the corpus, and the versions of the libraries that train it."""
    import inspect
    from importlib.metadata import version

    simple = (int, float, str, tuple, dict, list)
    constants = {k: v for k, v in globals().items() if k.isupper() and isinstance(v, simple)}
    code = [build_copy_model, train, example, perturb, *_CHANGES, max_length_at, _rows, _learning_rate_factor,
            _tensors, write_marian_tokenizer, marian_config, save_marian]
    constants["ARCHITECTURE"] = repr(ARCHITECTURE)
    named = json.dumps(constants, sort_keys=True, default=lambda o: o.__qualname__)  # _CHANGES: functions
    digest = hashlib.sha256(named.encode("utf-8"))
    for function in code:
        digest.update(inspect.getsource(function).encode("utf-8"))
    digest.update("\n".join(lines).encode("utf-8"))
    for package in ("torch", "transformers", "sentencepiece"):
        digest.update(f"{package}=={version(package)}".encode())
    return digest.hexdigest()[:16]


def cached_copy_model(cache_root: Path | None = None, *, log: Callable[[str], None] | None = None) -> Path:
    """The copy model's folder under ``cache_root`` (default ``$NEWSL10N_CACHE`` or
    ``~/.cache/newsl10n``), built on first use. Several processes may ask at once: one builds
    under a lock, into a temporary folder renamed into place, so none sees half a model."""
    lines = corpus_lines()
    root = Path(cache_root or default_cache_root()) / "copymodel"
    final = root / recipe_key(lines)
    if final.is_dir():
        return final
    root.mkdir(parents=True, exist_ok=True)
    with _locked(root / f"{final.name}.lock"):
        if final.is_dir():  # built by another process while this one waited
            return final
        building = Path(tempfile.mkdtemp(prefix=f".{final.name}-", dir=root))
        try:
            build_copy_model(building, corpus=lines, log=log)
            (building / "recipe.json").write_text(
                json.dumps({"key": final.name, "steps": STEPS, "pieces": PIECES}), encoding="utf-8"
            )
            os.rename(building, final)
        finally:
            shutil.rmtree(building, ignore_errors=True)
    return final


@contextmanager
def _locked(path: Path):
    """An exclusive advisory lock on ``path`` (POSIX); elsewhere no lock, and a lost rename race
    shows as an error instead of a half model."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
