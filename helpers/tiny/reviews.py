"""(body, summary line) pairs from docstrings, shaped like the Multilingual Amazon Reviews Corpus.

A well-written docstring opens with a one-line summary, a blank line, then prose that explains
more. That prose is our "review body" and the summary line its "review title": the model
learns to write the one line from the paragraphs. The prose stops where the structured part of
a docstring begins (Parameters / Args / Returns / Examples sections, field lists, doctests),
since those are lists, not text to summarize.

Sources are read without importing anything (``ast``), in sorted order. The category of a row
is where it came from: ``python_stdlib`` or the name of an installed package.
"""

from __future__ import annotations

import ast
import random
import re
import sysconfig
from collections.abc import Iterable, Iterator
from pathlib import Path

from datasets import Dataset, DatasetDict, Features, Value

from helpers.summarization import split_sentences
from helpers.tiny.prose import SKIPPED_STDLIB, package_folder, python_sources, split_of

# The columns and features of the Amazon reviews corpus (and of its Hub mirrors).
REVIEW_FEATURES = Features(
    {
        "review_id": Value("string"),
        "product_id": Value("string"),
        "reviewer_id": Value("string"),
        "stars": Value("int32"),
        "review_body": Value("string"),
        "review_title": Value("string"),
        "language": Value("string"),
        "product_category": Value("string"),
    }
)
REVIEW_SPLITS = ("train", "validation", "test")
STDLIB_CATEGORY = "python_stdlib"
# Installed packages whose docstrings are read, besides the standard library.
REVIEW_PACKAGES = ("transformers", "datasets", "huggingface_hub", "accelerate")

_SECTION = re.compile(
    r"^(args?|arguments|parameters|params|other parameters|keyword arguments|kwargs|returns?|"
    r"return type|yields?|raises|exceptions|examples?|example usage|usage|notes?|see also|"
    r"attributes|references|warnings?|todo|methods)\s*:?\s*$",
    re.I,
)
_UNDERLINE = re.compile(r"^\s*[-=~^]{3,}\s*$")
_STRUCTURED = re.compile(r"^\s*(>>>|\.\. |:[\w ]+:)")  # doctests, directives, field lists
_LIST_OR_TABLE = re.compile(r"^\s*([-*+] |\d+[.)] |```|\||\+[-=])")
_WORD = re.compile(r"^[A-Za-z]")


def _paragraphs(lines: list[str]) -> list[list[str]]:
    paragraphs, current = [], []
    for line in lines:
        if line.strip():
            current.append(line)
        elif current:
            paragraphs.append(current)
            current = []
    if current:
        paragraphs.append(current)
    return paragraphs


def split_docstring(docstring: str) -> tuple[str, str]:
    """Return (summary line, prose body) of a cleaned docstring; either is "" when there is none.

    The summary is the first paragraph when it is a single line. The body is the prose that
    follows, each paragraph joined onto one line and the paragraphs joined by spaces. It stops
    at the first section heading (``Parameters``, ``Args:``, ``Returns``, ``Examples``, ...), field
    list (``:param x:``), doctest (``>>>``) or directive (``.. note::``); indented blocks and
    bullet lists before that point are skipped.
    """
    if not isinstance(docstring, str):
        raise TypeError(f"split_docstring takes a string, not {type(docstring).__name__}.")
    paragraphs = _paragraphs(docstring.expandtabs().splitlines())
    if not paragraphs:
        return "", ""
    first = paragraphs[0]
    summary = first[0].strip() if len(first) == 1 else ""
    body = []
    for paragraph in paragraphs[1:]:
        head = paragraph[0].strip()
        if _SECTION.match(head) or (len(paragraph) > 1 and _UNDERLINE.match(paragraph[1])):
            break
        if _STRUCTURED.match(paragraph[0]):
            break
        if any(_SECTION.match(line.strip()) for line in paragraph[1:]):
            # "Some prose.\nArgs:\n    x: ..." with no blank line: keep the prose before the heading.
            cut = next(i for i, line in enumerate(paragraph) if _SECTION.match(line.strip()))
            body.append(" ".join(line.strip() for line in paragraph[:cut]))
            break
        if paragraph[0][:1].isspace() or _LIST_OR_TABLE.match(paragraph[0]) or not _WORD.match(head):
            continue  # code, a list or a table: not prose
        body.append(" ".join(line.strip() for line in paragraph))
    return summary, " ".join(part for part in body if part)


def is_good_pair(summary: str, body: str, *, min_title_words: int = 3, min_sentences: int = 2) -> bool:
    """Return True when ``summary`` has enough words and ``body`` enough sentences to train on."""
    return len(summary.split()) >= min_title_words and len(split_sentences(body)) >= min_sentences


def _docstrings(path: Path) -> Iterator[tuple[str, str]]:
    """Yield (qualified name, docstring) for the module, classes and functions of one source file."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (SyntaxError, UnicodeDecodeError, ValueError):
        return
    kinds = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)

    def visit(node: ast.AST, prefix: str) -> Iterator[tuple[str, str]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, kinds[1:]):
                name = f"{prefix}.{child.name}" if prefix else child.name
                text = ast.get_docstring(child)
                if text:
                    yield name, text
                yield from visit(child, name)

    module_doc = ast.get_docstring(tree)
    if module_doc:
        yield "", module_doc
    yield from visit(tree, "")


def source_pairs(root: Path, category: str, skipped: Iterable[str] = ()) -> list[dict]:
    """Return a row per good docstring pair under ``root`` (files in sorted order), with its origin.

    Each row has ``module``, ``object``, ``review_body``, ``review_title`` and ``product_category``.
    """
    rows = []
    for module, path in python_sources(root, skipped):
        for name, docstring in _docstrings(path):
            summary, body = split_docstring(docstring)
            if is_good_pair(summary, body):
                rows.append(
                    {"module": module, "object": name, "review_body": body, "review_title": summary,
                     "product_category": category}
                )
    return rows


def installed_pairs(packages: Iterable[str] = REVIEW_PACKAGES) -> list[dict]:
    """Return the good pairs of the standard library, then of each package, each body kept once."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    rows = source_pairs(stdlib, STDLIB_CATEGORY, SKIPPED_STDLIB)
    for name in packages:
        root = package_folder(name)
        rows += [{**row, "module": f"{name}.{row['module']}"} for row in source_pairs(root, name, {"tests", "testing"})]
    seen: set[str] = set()
    unique = []
    for row in rows:  # docstrings copied between modules (common in transformers) are kept once
        if row["review_body"] not in seen:
            seen.add(row["review_body"])
            unique.append(row)
    return unique


def build_reviews_dataset(
    rows: list[dict], seed: int, sizes: dict[str, int], fractions: dict[str, float] | None = None
) -> DatasetDict:
    """Return an Amazon-reviews-shaped ``DatasetDict`` (train / validation / test) sampled from ``rows``.

    A module goes wholly to one split (by a stable hash of its name), so no module is shared by
    training and evaluation. Each split takes a seeded sample of at most ``sizes[split]`` rows.
    ``language`` is ``en``; ``stars`` is 0, since docstrings carry no rating; ``product_id`` is
    the module and ``reviewer_id`` the documented object.
    """
    fractions = fractions or {"train": 0.8, "validation": 0.1, "test": 0.1}
    if set(fractions) != set(REVIEW_SPLITS) or set(sizes) != set(REVIEW_SPLITS):
        raise ValueError(f"Give a fraction and a size for each of {REVIEW_SPLITS}, not {sorted(fractions)} / {sorted(sizes)}.")
    by_split: dict[str, list[dict]] = {split: [] for split in REVIEW_SPLITS}
    for row in rows:
        by_split[split_of(row["module"], fractions)].append(row)
    result = {}
    for split in REVIEW_SPLITS:
        candidates = by_split[split]
        if not candidates:
            raise ValueError(f"No docstring pair fell into {split}: give it a larger fraction or more sources.")
        rng = random.Random(f"{seed}-{split}")
        chosen = rng.sample(candidates, min(sizes[split], len(candidates)))
        result[split] = Dataset.from_list(
            [
                {
                    "review_id": f"en_{split}_{index:05d}",
                    "product_id": row["module"],
                    "reviewer_id": row["object"] or "<module>",
                    "stars": 0,
                    "review_body": row["review_body"],
                    "review_title": row["review_title"],
                    "language": "en",
                    "product_category": row["product_category"],
                }
                for index, row in enumerate(chosen)
            ],
            features=REVIEW_FEATURES,
        )
    return DatasetDict(result)
