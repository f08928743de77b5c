"""Running a notebook's custom training loop in fresh processes: the ``accelerate launch`` command, and a runner that streams its output."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from helpers.runner import QUIET_KERNEL_ENV


def free_port() -> int:
    """Return a TCP port of 127.0.0.1 that nothing listens on now."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def launch_command(
    script: str | os.PathLike, script_args: list[str], num_processes: int, cpu: bool
) -> tuple[list[str], dict[str, str]]:
    """Return the ``accelerate launch`` command that runs ``script`` in ``num_processes`` fresh processes, and its environment.

    With GPUs, one process per GPU (``--multi_gpu`` from two on). On a CPU, accelerate 1.16 forms a
    group of several processes only through ``--multi_gpu`` with ``ACCELERATE_USE_CPU=1`` (its
    ``--cpu`` would start one process unless MPI is installed); each then keeps one thread, since
    the processes share the cores. The launcher's other settings are given, so it prints no
    warning about defaults, and the rendezvous port is a free one, so two runs on one machine do
    not collide. The processes show no progress bars of 🤗 Datasets and the Hub client (mapping the
    data again, writing the weights): streamed into a cell, they would only repeat what the
    notebook showed, as cursor-moving text.
    """
    if num_processes < 1:
        raise ValueError(f"num_processes must be at least 1, not {num_processes}.")
    options = ["--num_machines", "1", "--num_processes", str(num_processes), "--mixed_precision", "no"]
    options += ["--dynamo_backend", "no"]
    if num_processes > 1:
        options += ["--multi_gpu", "--main_process_port", str(free_port())]
    # QUIET_KERNEL_ENV's switches also turn off 🤗 Transformers' bars, such as "Writing model shards".
    environment = {"TOKENIZERS_PARALLELISM": "false", **QUIET_KERNEL_ENV}
    if cpu:
        environment.update(ACCELERATE_USE_CPU="1", OMP_NUM_THREADS="1")
    command = [sys.executable, "-m", "accelerate.commands.launch", *options, str(script), *script_args]
    return command, environment


def loop_arguments(
    mode: str,
    seed: int,
    output_dir: str | os.PathLike,
    max_samples: int | None = None,
    push_to_hub: str | None = None,
    resume: bool = False,
    **parameters: object,
) -> list[str]:
    """Return the command-line arguments that give a notebook's script the notebook's parameters.

    ``push_to_hub`` is the loop's repository id (None: no upload); ``resume`` adds ``--resume``; ``parameters`` are other values
    of the parameters cell, passed as ``--set NAME=VALUE``.
    """
    arguments = ["--mode", mode, "--seed", str(seed), "--output-dir", str(output_dir)]
    if max_samples is not None:
        arguments += ["--max-samples", str(max_samples)]
    if resume:
        arguments.append("--resume")
    if push_to_hub is not None:
        arguments += ["--push-to-hub", push_to_hub]
    for name, value in parameters.items():
        arguments += ["--set", f"{name}={value!r}"]
    return arguments


def shown_command(command: list[str]) -> str:
    """Return ``command`` as a learner would type it: ``accelerate launch ...``, with paths in the course relative to it."""
    import shlex

    from helpers.results import project_root

    root = project_root()
    words = list(command)
    if words[1:3] == ["-m", "accelerate.commands.launch"]:
        words = ["accelerate", "launch", *words[3:]]
    shown = []
    for word in words:
        path = Path(word)
        if path.is_absolute() and path.is_relative_to(root):
            word = path.relative_to(root).as_posix()
        shown.append(word)
    return shlex.join(shown)


def run(command: list[str], environment: dict[str, str] | None = None) -> None:
    """Print ``command``, run it, and print its output (stderr too) as it comes; raise CalledProcessError when it fails.

    A progress bar's updates end in a carriage return; they are printed as they are, so that
    Jupyter redraws the bar in place instead of adding a line per update.
    """
    import contextlib
    import io
    import signal
    import subprocess

    print("$", shown_command(command), flush=True)
    # A session of its own, so that stopping the cell can stop the launcher and what it started.
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        # Unbuffered, so that print() and the progress bar (stderr) come out in the order they were written.
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(environment or {})},
        start_new_session=True,
    )
    try:
        for line in io.TextIOWrapper(process.stdout, encoding="utf-8", errors="replace", newline=""):
            print(line, end="", flush=True)
        returncode = process.wait()
    except BaseException:  # an interrupted cell stops the processes it started
        # The launcher starts its workers in sessions of their own: SIGTERM lets it stop them, which
        # killing its session would not. Whatever is left after 30 s is killed.
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise
    if returncode != 0:
        raise subprocess.CalledProcessError(returncode, command)
