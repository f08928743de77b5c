"""Taking a subset of a data set, to try a notebook on less data first."""

from __future__ import annotations

from typing import TypeVar

from datasets import Dataset, DatasetDict

D = TypeVar("D", Dataset, DatasetDict)


def check_max_samples(max_samples: object) -> int | None:
    """Return ``max_samples`` if it is None or a whole number of at least 1; raise ValueError otherwise."""
    if max_samples is None:
        return None
    if isinstance(max_samples, bool) or not isinstance(max_samples, int) or max_samples < 1:
        raise ValueError(
            f"MAX_SAMPLES must be a whole number of at least 1 (say 1_000), or None for all the data; got {max_samples!r}."
        )
    return max_samples


def take_subset(data: D, max_samples: int | None) -> D:
    """Return ``data`` with each split cut to its first ``max_samples`` rows, or unchanged when ``max_samples`` is None."""
    limit = check_max_samples(max_samples)
    if limit is None:
        return data
    if isinstance(data, DatasetDict):
        return DatasetDict({split: take_subset(rows, limit) for split, rows in data.items()})
    if not isinstance(data, Dataset):
        raise TypeError(f"take_subset needs a datasets Dataset or DatasetDict, not {type(data).__name__}.")
    return data.select(range(min(limit, len(data))))
