"""English prose read from installed Python code, shaped like the IMDB data set for tiny mode.

Two kinds of text are gathered, both without importing any module (sources are parsed with ``ast``):

- the adaptation domain, Python's own documentation: the reference topics of ``pydoc_data``
  and the docstrings of the standard library;
- a different, "general" corpus for pretraining the tiny checkpoint: the docstrings of an
  installed third-party library (by default 🤗 Transformers, whose docstrings describe models,
  layers, tensors and training: machine-learning prose, far from the standard library's).

A *source document* is one reference topic or one module. Every source document goes wholly to
one split, chosen by a stable hash of its name, so no document is shared by training and test.
"""

from __future__ import annotations

import ast
import hashlib
import random
import re
import sysconfig
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

from datasets import ClassLabel, Dataset, DatasetDict, Features, Value

IMDB_FEATURES = Features({"text": Value("string"), "label": ClassLabel(names=["neg", "pos"])})
IMDB_SPLITS = ("train", "test", "unsupervised")
# Which label a domain row gets: IMDB's names, here only marking where the text came from.
KIND_LABEL = {"docstring": 0, "topic": 1}
# Parts of the standard library left out: tests, and the IDLE / Tk / 2to3 applications.
SKIPPED_STDLIB = {"site-packages", "dist-packages", "test", "tests", "idlelib", "lib2to3", "tkinter", "turtledemo"}
# The general corpus. Its many repeated paragraphs (models share their docstrings) are kept, as a
# web crawl keeps its repeats; the domain data are the ones deduplicated. With the docstrings of
# accelerate, datasets and huggingface_hub, prose much like the standard library's, adaptation only
# took the perplexity to 0.69 x (2026-12-05); with transformers' docstrings, 0.42 x.
GENERAL_PACKAGES = ("transformers",)

_WORD = re.compile(r"[A-Za-z]")
_NOT_PROSE = re.compile(r"::=|^\s*[+|=*~^-]{3,}|>>>|^\s*\.\. |^\s*:\w+:", re.M)


@dataclass(frozen=True)
class Document:
    """One source document: where it came from, its kind (``topic`` or ``docstring``) and its prose."""

    source: str
    kind: str
    text: str


def prose_paragraphs(text: str, min_words: int = 8) -> list[str]:
    """Return the paragraphs of ``text`` that read as prose, each joined onto one line.

    Indented blocks (code, grammar rules), tables, headings, doctests and lists of
    parameters are dropped, as are paragraphs shorter than ``min_words`` words.
    """
    paragraphs = []
    for block in re.split(r"\n\s*\n", text):
        lines = block.strip("\n").splitlines()
        if not lines or lines[0][:1].isspace() or _NOT_PROSE.search(block):
            continue
        words = " ".join(line.strip() for line in lines).split()
        if len(words) < min_words or not _WORD.match(words[0]):
            continue
        letters = sum(ch.isalpha() for ch in "".join(words))
        if letters < 0.7 * len("".join(words)):
            continue
        paragraphs.append(" ".join(words))
    return paragraphs


def topic_documents() -> list[Document]:
    """Return one document per reference topic of ``pydoc_data.topics``, in sorted order."""
    from pydoc_data.topics import topics

    documents = []
    for name in sorted(topics):
        paragraphs = prose_paragraphs(topics[name])
        if paragraphs:
            documents.append(Document(f"topic:{name}", "topic", "\n".join(paragraphs)))
    return documents


def _docstrings(path: Path) -> list[str]:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (SyntaxError, UnicodeDecodeError, ValueError):
        return []
    kinds = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    found = [ast.get_docstring(node) for node in ast.walk(tree) if isinstance(node, kinds)]
    return [text for text in found if text]


def docstring_documents(root: Path, prefix: str, skipped: Iterable[str] = ()) -> list[Document]:
    """Return one document per ``.py`` file under ``root`` holding the prose of its docstrings.

    Files are read in sorted order; a file under a folder named in ``skipped`` is left out.
    """
    documents = []
    for module, path in python_sources(root, skipped):
        paragraphs = [p for text in _docstrings(path) for p in prose_paragraphs(text)]
        if paragraphs:
            documents.append(Document(f"{prefix}:{module}", "docstring", "\n".join(paragraphs)))
    return documents


def python_sources(root: Path, skipped: Iterable[str] = ()) -> list[tuple[str, Path]]:
    """Return ``(dotted module name, path)`` for every ``.py`` file under ``root``, in sorted order.

    A file under a folder named in ``skipped`` is left out.
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root} is not a folder of Python sources.")
    skipped = set(skipped)
    sources = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if not skipped & set(relative.parts[:-1]):
            sources.append((".".join(relative.with_suffix("").parts), path))
    return sources


def stdlib_documents() -> list[Document]:
    """Return one document per standard-library module, tests and GUI applications left out."""
    return docstring_documents(Path(sysconfig.get_paths()["stdlib"]), "stdlib", SKIPPED_STDLIB)


def package_folder(name: str) -> Path:
    """Return the source folder of the installed package ``name``, without importing it."""
    spec = find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"The package {name!r} is not installed; install it or pick another.")
    return Path(list(spec.submodule_search_locations)[0])


def general_texts(packages: Iterable[str] = GENERAL_PACKAGES) -> list[str]:
    """Return the prose paragraphs of the docstrings of ``packages``: the tiny "general" corpus."""
    texts = []
    for name in packages:
        for document in docstring_documents(package_folder(name), name, {"tests", "testing"}):
            texts.extend(document.text.split("\n"))
    return texts


def without_repeats(documents: list[Document]) -> list[Document]:
    """Return the documents with every paragraph kept only where it first occurs.

    Some docstrings are copied from module to module; left in place, the same paragraph
    could land in the training split and in the test split.
    """
    seen: set[str] = set()
    kept = []
    for document in documents:
        paragraphs = []
        for paragraph in document.text.split("\n"):
            if paragraph not in seen:
                seen.add(paragraph)
                paragraphs.append(paragraph)
        if paragraphs:
            kept.append(Document(document.source, document.kind, "\n".join(paragraphs)))
    return kept


def domain_documents() -> list[Document]:
    """Return the adaptation domain: reference topics, then standard-library modules, without repeats."""
    return without_repeats(topic_documents() + stdlib_documents())


def split_of(source: str, fractions: dict[str, float]) -> str:
    """Return the split that ``source`` belongs to, by a stable hash, for ``{split: fraction}``."""
    total = sum(fractions.values())
    if not fractions or any(f < 0 for f in fractions.values()) or abs(total - 1) > 1e-9:
        raise ValueError(f"Split fractions must be non-negative and add up to 1, not {fractions}.")
    bucket = int(hashlib.sha256(source.encode()).hexdigest()[:8], 16) / 0x100000000
    for split, fraction in fractions.items():
        if bucket < fraction:
            return split
        bucket -= fraction
    return split


def review_sized(document: Document, max_words: int = 200) -> list[str]:
    """Return the document's paragraphs packed into texts of at most about ``max_words`` words."""
    if max_words < 1:
        raise ValueError(f"max_words must be at least 1, not {max_words}.")
    texts, current = [], []
    for paragraph in document.text.split("\n"):
        if current and len(" ".join(current).split()) + len(paragraph.split()) > max_words:
            texts.append(" ".join(current))
            current = []
        current.append(paragraph)
    if current:
        texts.append(" ".join(current))
    return texts


def split_documents(documents: list[Document], fractions: dict[str, float]) -> dict[str, list[Document]]:
    """Return the documents of each split; a document goes wholly to the split its name hashes to."""
    splits: dict[str, list[Document]] = {split: [] for split in fractions}
    for document in documents:
        splits[split_of(document.source, fractions)].append(document)
    empty = [split for split, docs in splits.items() if not docs]
    if empty:
        raise ValueError(f"No document fell into {empty}: give them a larger fraction or more documents.")
    return splits


def _rows(documents: list[Document], split: str, rng: random.Random) -> Iterator[dict]:
    rows = [
        {"text": text, "label": -1 if split == "unsupervised" else KIND_LABEL[doc.kind]}
        for doc in documents
        for text in review_sized(doc)
    ]
    rng.shuffle(rows)  # IMDB's rows are not grouped by film either
    yield from rows


def build_imdb_dataset(
    documents: list[Document], seed: int = 0, fractions: dict[str, float] | None = None
) -> DatasetDict:
    """Return an IMDB-shaped ``DatasetDict`` (train / test / unsupervised) of the documents' texts.

    ``label`` is 0 (``neg``) for a docstring and 1 (``pos``) for a reference topic, and -1 in
    ``unsupervised``, as on the Hub. Rows are shuffled with ``seed``.
    """
    fractions = fractions or {"train": 0.6, "test": 0.1, "unsupervised": 0.3}
    if set(fractions) != set(IMDB_SPLITS):
        raise ValueError(f"Give a fraction for each of {IMDB_SPLITS}, not for {sorted(fractions)}.")
    splits = split_documents(documents, fractions)
    return DatasetDict(
        {
            split: Dataset.from_list(list(_rows(splits[split], split, random.Random(f"{seed}-{split}"))), features=IMDB_FEATURES)
            for split in IMDB_SPLITS
        }
    )
