"""A small codeparrot-ds-shaped corpus: Python files of installed data-science packages.

The files come from the installed ``pandas``, ``scikit-learn``, ``matplotlib`` and ``seaborn``
(those present), are kept only if they pass the notebook's keyword filter, and are sampled
with a seed from their sorted paths up to a size cap. Whole files go to one split or the
other, so no file is in both.
"""

from __future__ import annotations

import random
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from datasets import Dataset, DatasetDict, Features, Value

from helpers.causal_lm import DATA_SCIENCE_KEYWORDS, mentions_any

# Import name -> distribution name of the packages whose source is read.
SOURCE_PACKAGES = {"pandas": "pandas", "sklearn": "scikit-learn", "matplotlib": "matplotlib", "seaborn": "seaborn"}
# The columns of huggingface-course/codeparrot-ds-train and -valid; every one is a string there.
CODEPARROT_COLUMNS = ("repo_name", "path", "copies", "size", "content", "license")
CODEPARROT_FEATURES = Features({name: Value("string") for name in CODEPARROT_COLUMNS})


def installed_sources() -> dict[str, str]:
    """Return the version of each source distribution that is installed, by distribution name."""
    versions = {}
    for dist_name in SOURCE_PACKAGES.values():
        try:
            versions[dist_name] = distribution(dist_name).version
        except PackageNotFoundError:
            continue
    return versions


def _license_of(dist_name: str) -> str:
    meta = distribution(dist_name).metadata
    text = meta.get("License-Expression") or meta.get("License") or ""
    return text.strip().lower() if text and len(text) < 40 and "\n" not in text.strip() else "other"


def python_files(max_file_kb: int) -> list[dict[str, str]]:
    """Return one codeparrot-shaped row per source file that passes the keyword filter, sorted by path.

    Files over ``max_file_kb`` kilobytes, not valid UTF-8, or repeating an earlier file's
    content are skipped.
    """
    rows, seen = [], set()
    for import_name, dist_name in SOURCE_PACKAGES.items():
        try:
            dist = distribution(dist_name)
        except PackageNotFoundError:
            continue
        root = Path(dist.locate_file(""))
        license_name = _license_of(dist_name)
        for path in sorted((root / import_name).rglob("*.py")):
            data = path.read_bytes()
            if len(data) > max_file_kb * 1024:
                continue
            try:
                content = data.decode("utf-8")
            except UnicodeDecodeError:
                continue
            if content in seen or not mentions_any(content, DATA_SCIENCE_KEYWORDS):
                continue
            seen.add(content)
            rows.append(
                {
                    "repo_name": dist_name,
                    "path": path.relative_to(root).as_posix(),
                    "copies": "1",
                    "size": str(len(data)),
                    "content": content,
                    "license": license_name,
                }
            )
    rows.sort(key=lambda row: row["path"])
    if not rows:
        raise RuntimeError(
            "No Python source of pandas, scikit-learn, matplotlib or seaborn was found in this "
            "environment; install one of them (the course's requirements install all but seaborn)."
        )
    return rows


def build_codeparrot_dataset(
    seed: int = 0, max_mb: float = 0.8, valid_fraction: float = 0.1, max_file_kb: int = 64
) -> DatasetDict:
    """Return a codeparrot-ds-shaped ``DatasetDict`` (train / valid) of at most ``max_mb`` MB of files."""
    if max_mb <= 0:
        raise ValueError(f"max_mb must be positive, not {max_mb}.")
    if not 0 < valid_fraction < 1:
        raise ValueError(f"valid_fraction must be between 0 and 1, not {valid_fraction}.")
    rows = python_files(max_file_kb)
    random.Random(seed).shuffle(rows)
    sample, total = [], 0
    for row in rows:
        size = int(row["size"])
        if total + size > max_mb * 1_000_000:
            continue
        sample.append(row)
        total += size
    n_valid = max(1, round(valid_fraction * len(sample)))
    if len(sample) - n_valid < 1:
        raise ValueError(f"Only {len(sample)} files fit in {max_mb} MB; raise max_mb to have both splits.")
    splits = {"train": sample[n_valid:], "valid": sample[:n_valid]}
    return DatasetDict(
        {
            name: Dataset.from_list(sorted(part, key=lambda row: row["path"]), features=CODEPARROT_FEATURES)
            for name, part in splits.items()
        }
    )
