"""Execute notebooks into a build folder and print a table of their results and wall times.

Usage: ``python -m helpers.runner NOTEBOOK_DIR BUILD_DIR`` (this is what ``make run`` calls).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from helpers.results import output_dir

# The headline metrics of each task's results.json, in the order the table shows them.
HEADLINE = {
    "token_classification": [("trainer", "f1"), ("accelerate", "f1")],
    "masked_language_modeling": [("trainer", "perplexity_after"), ("accelerate", "perplexity_after")],
    "translation": [("trainer", "bleu_after"), ("accelerate", "bleu_after")],
    "summarization": [("trainer", "rouge1"), ("baseline", "rouge1"), ("accelerate", "rouge1")],
    "causal_language_modeling": [("trainer", "perplexity"), ("accelerate", "perplexity")],
    "question_answering": [("trainer", "f1"), ("accelerate", "f1")],
}


# Set for the kernels that ``execute`` starts. The progress bars of datasets (``Map``, ``Filter``)
# and of the Hub downloads are widgets in a kernel, and a saved copy keeps them stuck at "0%":
# their updates never reach the saved file. The Trainer's progress table is not one of them and
# stays; the notebooks' own loops use tqdm's text bar, which ``execute`` saves as it ended.
QUIET_KERNEL_ENV = {"HF_DATASETS_DISABLE_PROGRESS_BARS": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1"}


def inject_parameters(nb, parameters: Mapping[str, object]) -> None:
    """Insert a cell setting ``parameters`` right after ``nb``'s cell tagged ``parameters`` (as papermill does)."""
    import nbformat

    tagged = [i for i, cell in enumerate(nb.cells) if "parameters" in cell.get("metadata", {}).get("tags", [])]
    if len(tagged) != 1:
        raise ValueError(f"a notebook needs exactly one cell tagged 'parameters' to take parameters; found {len(tagged)}")
    lines = [f"{name} = {value!r}" for name, value in parameters.items()]
    cell = nbformat.v4.new_code_cell("\n".join(lines), metadata={"tags": ["injected-parameters"]})
    nb.cells.insert(tagged[0] + 1, cell)


def execute(notebook: Path, build_dir: Path, timeout: int = 900, parameters: Mapping[str, object] | None = None) -> float:
    """Run ``notebook`` with its own folder as working directory, save the executed copy, return seconds.

    ``parameters`` (name to value) override the notebook's parameters cell, like papermill's ``-p``.
    The kernel runs with ``QUIET_KERNEL_ENV`` (no widget progress bars), and a text bar is saved once, as it ended.
    """
    import os
    import shutil
    import tempfile

    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient
    from nbconvert.preprocessors import CoalesceStreamsPreprocessor

    nb = nbformat.read(notebook, as_version=4)
    if parameters:
        inject_parameters(nb, parameters)
    start = time.perf_counter()
    # The kernel talks to us over local sockets in a private folder rather than TCP ports, so it
    # does not warn about unencrypted TCP on every run.
    sockets = tempfile.mkdtemp(prefix="course-kernel-")
    kernel = KernelManager(kernel_name="python3", transport="ipc", ip=str(Path(sockets) / "ipc"))
    client = NotebookClient(nb, km=kernel, timeout=timeout, resources={"metadata": {"path": str(notebook.parent)}})
    try:
        client.execute(env={**os.environ, **QUIET_KERNEL_ENV})
    finally:
        if kernel.has_kernel:
            kernel.shutdown_kernel()
        shutil.rmtree(sockets, ignore_errors=True)
        # A text progress bar arrives as one stream output per update, each starting with "\r".
        # Merging a cell's consecutive stream outputs and dropping what each "\r" overwrote saves
        # the bar once, as it ended, as JupyterLab shows it (other renderers print every update).
        CoalesceStreamsPreprocessor().preprocess(nb, {})
        build_dir.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, build_dir / notebook.name)
    return time.perf_counter() - start


def task_of(notebook: Path) -> str:
    """Return the task name of ``01_token_classification.ipynb``: ``token_classification``."""
    return notebook.stem.split("_", 1)[1]


def summary_line(task: str, seconds: float, since: float) -> str:
    """Return one table row: the task, the headline metrics its run wrote after ``since``, and the wall time."""
    path = output_dir(task) / "results.json"
    fresh = path.exists() and path.stat().st_mtime >= since
    results = json.loads(path.read_text()) if fresh else {}
    cells = []
    for section, metric in HEADLINE.get(task, []):
        value = results.get(section, {}).get(metric)
        cells.append(f"{section} {metric} {value:.3f}" if value is not None else f"{section} {metric} -")
    # The wall time comes before the metrics, whose text varies in length, so the columns line up.
    return f"{task:<28} {seconds:6.1f} s   {'  '.join(cells)}"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        raise SystemExit("usage: python -m helpers.runner NOTEBOOK_DIR BUILD_DIR")
    notebook_dir, build_dir = Path(argv[0]), Path(argv[1])
    rows, failed = [], []
    for notebook in sorted(notebook_dir.glob("[0-9][0-9]_*.ipynb")):
        print(f"running {notebook} ...", flush=True)
        start, started_at = time.perf_counter(), time.time()
        try:
            seconds = execute(notebook, build_dir)
        except Exception as error:  # keep going, report at the end
            seconds = time.perf_counter() - start
            failed.append(f"{notebook.name}: {type(error).__name__}: {str(error).splitlines()[-1] if str(error) else ''}")
        rows.append(summary_line(task_of(notebook), seconds, started_at))
    print(f"\n{'task':<28} {'wall':>8}   final metrics (tiny mode)")
    print("\n".join(rows))
    print(f"\nexecuted notebooks are in {build_dir}/")
    for line in failed:
        print("FAILED", line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
