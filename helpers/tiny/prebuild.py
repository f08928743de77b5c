"""Build every tiny data set and checkpoint into the cache before the notebooks need them.

Usage: ``python -m helpers.tiny.prebuild [JOBS]`` (``make run`` and ``make test`` call it;
``--chain N`` builds chain N of ``CHAINS`` alone, which is what each worker runs, and prints
the seconds each entry took as JSON).

Every build uses one PyTorch thread, so on a machine with two cores two builds side by side take
about half as long as one after the other. Builds that need another entry (the tiny mT5 trains its
tokenizer on the reviews) run in that entry's chain, after it. Entries already in the cache are
only checked: with a warm cache the whole run takes 12 to 18 s, mostly each worker importing the
libraries. Each chain's line gives its time in its worker and each entry's share: the difference
is the worker's start (a new interpreter importing PyTorch, 🤗 Transformers and 🤗 Datasets).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

# The builders of ``helpers.tiny``, in chains whose later members need the earlier ones. Two
# workers take the chains in this order, each the next one when it is free; on an empty cache on
# a 2-core Intel Xeon the chains took about 88, 95, 83, 59 and 6 s, so one worker builds the first
# and the third, the other the rest, and they finish within about 15 s of each other.
CHAINS = (
    ("reviews_dataset", "mt5_checkpoint"),
    ("squad_dataset", "bert_checkpoint", "ner_dataset"),
    ("general_corpus", "distilbert_checkpoint"),
    ("kde4_dataset", "marian_checkpoint", "imdb_dataset"),
    ("codeparrot_dataset", "code_tokenizer"),
)


def build_chain(names: Sequence[str]) -> dict[str, float]:
    """Build (or check) the tiny entries ``names`` in order; return the seconds each one took."""
    from helpers import tiny

    seconds = {}
    for name in names:
        start = time.perf_counter()
        getattr(tiny, name)()
        seconds[name] = time.perf_counter() - start
    return seconds


def _run_worker(number: int) -> tuple[float, dict[str, float]]:
    """Build chain ``number`` of ``CHAINS`` in a new Python process; return its seconds and each entry's."""
    start = time.perf_counter()
    # A separate interpreter, not a multiprocessing worker: transformers' seeded data collators
    # refuse to run in a process that multiprocessing started outside a DataLoader.
    worker = subprocess.run(
        [sys.executable, "-m", "helpers.tiny.prebuild", "--chain", str(number)], check=True, stdout=subprocess.PIPE, text=True
    )
    # The worker's last line of output is the JSON of its entries' seconds; warnings go to stderr.
    return time.perf_counter() - start, json.loads(worker.stdout.strip().splitlines()[-1])


def prebuild(jobs: int = 2, chains: Sequence[Sequence[str]] = CHAINS) -> dict[str, tuple[float, dict[str, float]]]:
    """Build every chain, ``jobs`` at a time in separate processes (in this one when ``jobs`` is 1).

    Returns, for each chain, its seconds and those of each of its entries. With more than one
    job the chains must be ``CHAINS``, which the worker processes read.
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, not {jobs}.")
    labels = [" -> ".join(chain) for chain in chains]
    if jobs == 1:
        # In this process a chain's time is its entries' time: there is no worker to start.
        timed = [build_chain(chain) for chain in chains]
        return {label: (sum(entries.values()), entries) for label, entries in zip(labels, timed)}
    if tuple(map(tuple, chains)) != CHAINS:
        raise ValueError("Worker processes build CHAINS: pass other chains with jobs=1.")
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return dict(zip(labels, pool.map(_run_worker, range(len(chains)))))


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "--chain" and argv[1].isdigit() and int(argv[1]) < len(CHAINS):
        print(json.dumps(build_chain(CHAINS[int(argv[1])])))
        return 0
    if len(argv) > 1 or (argv and not argv[0].isdigit()):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    jobs = int(argv[0]) if argv else 2
    start = time.perf_counter()
    for seconds, entries in prebuild(jobs).values():
        print(f"{seconds:6.1f} s  " + " -> ".join(f"{name} ({entry:.1f} s)" for name, entry in entries.items()))
    print(f"tiny cache ready in {time.perf_counter() - start:.1f} s ({jobs} at a time)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
