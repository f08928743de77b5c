"""Where a notebook's outputs go, its results file, and its loss curve."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

OUTPUT_ENV_VAR = "COURSE_OUTPUT_DIR"


def project_root(start: Path | None = None) -> Path:
    """Return the course checkout holding ``start`` (default: the working folder), else ``start``."""
    start = (start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / "notebooks").is_dir() and (folder / "helpers").is_dir():
            return folder
    return start


def output_dir(task: str, root: str | os.PathLike | None = None) -> Path:
    """Return (and create) ``<root>/<task>``; without ``root``, under ``$COURSE_OUTPUT_DIR`` or the project's ``outputs``."""
    if root is not None:
        base = Path(root).expanduser()
    elif os.environ.get(OUTPUT_ENV_VAR):
        base = Path(os.environ[OUTPUT_ENV_VAR])
    else:
        base = project_root() / "outputs"
    folder = base / task
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_results(task: str, results: Mapping, root: str | os.PathLike | None = None) -> Path:
    """Write ``results`` to ``results.json`` in ``output_dir(task, root)`` (atomically) and return the path."""
    path = output_dir(task, root) / "results.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    tmp.replace(path)
    return path


def loss_curves(log_history: Sequence[Mapping]) -> dict[str, tuple[list[float], list[float]]]:
    """Return the training and evaluation loss curves, as (steps, losses), from ``trainer.state.log_history``."""
    curves: dict[str, tuple[list[float], list[float]]] = {"train": ([], []), "eval": ([], [])}
    for entry in log_history:
        for key, name in (("loss", "train"), ("eval_loss", "eval")):
            if key in entry and "step" in entry:
                curves[name][0].append(entry["step"])
                curves[name][1].append(float(entry[key]))
    return {name: curve for name, curve in curves.items() if curve[0]}


def plot_losses(curves: Mapping[str, tuple[Sequence[float], Sequence[float]]], path: Path, title: str = ""):
    """Plot each named (steps, losses) curve, save the figure to ``path`` and return it."""
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(6, 3.5))
    for name, (steps, losses) in curves.items():
        axis.plot(steps, losses, marker="o" if len(steps) < 10 else None, label=name)
    axis.set_xlabel("optimizer step")
    axis.set_ylabel("loss")
    axis.set_title(title)
    axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    return figure
