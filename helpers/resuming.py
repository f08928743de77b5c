"""Runs that survive an interruption: the custom loops' checkpoints, and the Trainer's latest one.

A loop saves its whole state with ``accelerator.save_state`` (model, optimizer, the objects registered
with ``accelerator.register_for_checkpointing``, the data order and every process's random generators)
into ``checkpoints/<name>``, then points ``checkpoints/latest`` at it. The pointer is written only once
every process has saved, so a run killed while saving resumes from the checkpoint before.
"""

from __future__ import annotations

import copy
import logging
import os
import shutil
from pathlib import Path

LATEST = "latest"  # the file in the checkpoints folder that names the newest complete checkpoint


class LoopProgress:
    """Where a loop stands (``epoch``, ``batches`` done in it, optimizer ``steps``) and what it logged; saved with its state."""

    def __init__(self, **logs: object) -> None:
        self.epoch = 0
        self.batches = 0
        self.steps = 0
        self.__dict__.update(logs)

    def state_dict(self) -> dict:
        """Return a copy of everything this object holds (``accelerator.save_state`` saves it)."""
        return copy.deepcopy(vars(self))

    def load_state_dict(self, state: dict) -> None:
        """Take back what ``state_dict`` returned (``accelerator.load_state`` calls this)."""
        self.__dict__.update(copy.deepcopy(state))


def latest_checkpoint(folder: str | os.PathLike) -> Path | None:
    """Return the newest complete checkpoint in ``folder`` (a loop's ``checkpoints``), or None when there is none."""
    pointer = Path(folder) / LATEST
    if not pointer.is_file():
        return None
    checkpoint = Path(folder) / pointer.read_text(encoding="utf-8").strip()
    if not checkpoint.is_dir():
        raise FileNotFoundError(
            f"{pointer} names {checkpoint.name}, which is not there. Delete {Path(folder)} to train from the start."
        )
    return checkpoint


def save_checkpoint(accelerator, folder: str | os.PathLike, name: str) -> Path:
    """Save the loop's state to ``folder/name`` on every process, point ``folder/latest`` at it and delete older ones."""
    folder = Path(folder)
    checkpoint = folder / name
    # Accelerate warns at every save that a tied weight (an output layer that shares the input
    # embeddings) is stored once; load_state fills it in again, so the warning is muted here.
    saving_log = logging.getLogger("accelerate.utils.other")
    level = saving_log.level
    saving_log.setLevel(logging.ERROR)
    try:
        accelerator.save_state(str(checkpoint))
    finally:
        saving_log.setLevel(level)
    accelerator.wait_for_everyone()  # every process has written its part (its random generators, for one)
    if accelerator.is_main_process:
        temporary = folder / f"{LATEST}.tmp"
        temporary.write_text(name + "\n", encoding="utf-8")
        temporary.replace(folder / LATEST)  # atomic: the pointer names the old checkpoint or the new one
        for other in folder.iterdir():
            if other.is_dir() and other != checkpoint:
                shutil.rmtree(other)
    accelerator.wait_for_everyone()
    return checkpoint


def remove_checkpoints(folder: str | os.PathLike) -> int:
    """Remove an earlier run's checkpoints from ``folder`` (the Trainer's ``checkpoint-N``, a loop's ``checkpoints``); return how many."""
    folder = Path(folder)
    stale = [path for path in folder.glob("checkpoint-*") if path.is_dir()]
    stale += [folder / "checkpoints"] if (folder / "checkpoints").is_dir() else []
    for path in stale:
        shutil.rmtree(path)
    return len(stale)


def trainer_checkpoint(output_dir: str | os.PathLike) -> str | None:
    """Return the ``Trainer``'s newest complete ``checkpoint-N`` in ``output_dir``, or None when it has saved none yet.

    The ``Trainer`` writes ``trainer_state.json`` last: a folder without it is a save that was cut short.
    """
    folder = Path(output_dir)
    steps = [int(path.name.split("-")[1]) for path in folder.glob("checkpoint-*") if path.name.split("-")[1].isdigit()]
    complete = [step for step in steps if (folder / f"checkpoint-{step}" / "trainer_state.json").is_file()]
    return str(folder / f"checkpoint-{max(complete)}") if complete else None
