"""The loops as scripts on two machines: two `accelerate launch` invocations on localhost, machine ranks
0 and 1, one CPU process each, end at the result of one machine with two processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers.launching import free_port, launch_command, run

ROOT = Path(__file__).resolve().parents[2]
# A subset keeps each run short (sentences, code files); both runs train on the same rows.
MAX_SAMPLES = {"01_token_classification": 128, "05_causal_language_modeling": 6}
# Each run must end well within this; a hang fails the test instead of stalling CI.
TIMEOUT = 120
ENVIRONMENT = {"ACCELERATE_USE_CPU": "1", "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}


def machine_command(script: Path, rank: int, port: int, output: Path, max_samples: int) -> list[str]:
    """Return the command of one of two machines: one CPU process each, machine 0 at 127.0.0.1:port."""
    launcher = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_machines", "2"]
    launcher += ["--num_processes", "2", "--machine_rank", str(rank), "--main_process_ip", "127.0.0.1"]
    launcher += ["--main_process_port", str(port), "--mixed_precision", "no", "--dynamo_backend", "no"]
    return [*launcher, str(script), "--mode", "tiny", "--max-samples", str(max_samples), "--output-dir", str(output)]


def run_two_machines(script: Path, outputs: Path, max_samples: int) -> None:
    """Run ``script`` as two machines on localhost; fail when either fails or they outlast TIMEOUT."""
    port = free_port()
    machines = [
        subprocess.Popen(
            machine_command(script, rank, port, outputs / f"machine-{rank}", max_samples),
            env={**os.environ, **ENVIRONMENT},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        for rank in (0, 1)
    ]
    try:
        logs = [machine.communicate(timeout=TIMEOUT)[0] for machine in machines]
    except subprocess.TimeoutExpired:
        pytest.fail(f"the two machines did not finish within {TIMEOUT} s")
    finally:
        for machine in machines:
            if machine.poll() is None:
                os.killpg(machine.pid, signal.SIGKILL)
    assert [machine.returncode for machine in machines] == [0, 0], logs[0][-3000:] + logs[1][-3000:]


@pytest.mark.parametrize("name", ["01_token_classification", "05_causal_language_modeling"])
def test_two_machines_on_localhost_end_at_the_one_machine_two_process_result(name, tmp_path):
    script = ROOT / "scripts" / f"{name}.py"
    start = time.perf_counter()
    arguments = ["--mode", "tiny", "--max-samples", str(MAX_SAMPLES[name]), "--output-dir", str(tmp_path / "one-machine")]
    run(*launch_command(script, arguments, num_processes=2, cpu=True))
    middle = time.perf_counter()
    run_two_machines(script, tmp_path, MAX_SAMPLES[name])
    print(f"{name}: one machine {middle - start:.1f} s, two machines {time.perf_counter() - middle:.1f} s")
    one = json.loads((tmp_path / "one-machine" / "results.json").read_text())
    two = json.loads((tmp_path / "machine-0" / "results.json").read_text())
    assert one["num_processes"] == two["num_processes"] == 2
    assert two["accelerate"] == one["accelerate"]
    assert not (tmp_path / "machine-1" / "results.json").exists()  # only the main process writes
