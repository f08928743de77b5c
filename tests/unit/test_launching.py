import json

import pytest


GATHER_RANKS = """
import json, sys
import torch
from accelerate import Accelerator

accelerator = Accelerator()
ranks = accelerator.gather(torch.tensor([accelerator.process_index]))
if accelerator.is_main_process:
    info = {"ranks": ranks.tolist(), "threads": torch.get_num_threads(), "type": str(accelerator.distributed_type)}
    open(sys.argv[1], "w").write(json.dumps(info))
accelerator.end_training()  # leaves the process group: exiting inside one can abort
"""


def test_two_launched_cpu_processes_form_a_group_that_gathers(tmp_path):
    from helpers.launching import launch_command, run

    script, path = tmp_path / "gather.py", tmp_path / "ranks.json"
    script.write_text(GATHER_RANKS)
    run(*launch_command(script, [str(path)], num_processes=2, cpu=True))
    info = json.loads(path.read_text())
    # The process count it got, not the one it asked for: a launcher that started one process gives [0].
    assert info["ranks"] == [0, 1]
    assert info["type"].endswith("MULTI_CPU") and info["threads"] == 1


def test_torchrun_with_the_cpu_switch_starts_the_same_group_of_two(tmp_path):
    import os
    import subprocess
    import sys

    from helpers.launching import free_port

    script, path = tmp_path / "gather.py", tmp_path / "ranks.json"
    script.write_text(GATHER_RANKS)
    # Without ACCELERATE_USE_CPU=1 on a machine without a GPU, each process would train alone.
    environment = {**os.environ, "ACCELERATE_USE_CPU": "1", "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2"]
    command += ["--master_port", str(free_port()), str(script), str(path)]
    subprocess.run(command, env=environment, check=True, capture_output=True, timeout=120)
    info = json.loads(path.read_text())
    assert info["ranks"] == [0, 1] and info["type"].endswith("MULTI_CPU")


SLEEP_AND_SAY_SO = """
import os, sys, time
from pathlib import Path

Path(sys.argv[1], os.environ["RANK"]).write_text(str(os.getpid()))
print("started", flush=True)
time.sleep(600)  # silent: a process that printed would also end when its output pipe closed
"""


def test_stopping_the_cell_stops_every_launched_process(tmp_path, monkeypatch):
    import psutil

    from helpers import launching

    script = tmp_path / "sleep.py"
    script.write_text(SLEEP_AND_SAY_SO)

    def print_until_both_started(*args, **kwargs):
        if len(list(tmp_path.glob("[0-9]"))) == 2:
            raise KeyboardInterrupt  # what stopping a cell does
    monkeypatch.setattr(launching, "print", print_until_both_started, raising=False)
    with pytest.raises(KeyboardInterrupt):
        launching.run(*launching.launch_command(script, [str(tmp_path)], num_processes=2, cpu=True))
    # The workers run in sessions of their own, out of reach of a signal to the launcher's.
    pids = [int(path.read_text()) for path in tmp_path.glob("[0-9]")]
    _, alive = psutil.wait_procs([psutil.Process(pid) for pid in pids if psutil.pid_exists(pid)], timeout=10)
    left = [process.pid for process in alive if process.status() != psutil.STATUS_ZOMBIE]
    for process in alive:
        process.kill()
    assert left == []


def test_two_cpu_processes_are_launched_as_a_gloo_group_on_a_free_port():
    from helpers.launching import launch_command

    command, environment = launch_command("s.py", ["--mode", "tiny"], num_processes=2, cpu=True)
    assert command[1:3] == ["-m", "accelerate.commands.launch"] and command[-3:] == ["s.py", "--mode", "tiny"]
    assert "--multi_gpu" in command and command[command.index("--num_processes") + 1] == "2"
    assert int(command[command.index("--main_process_port") + 1]) > 0
    assert environment["ACCELERATE_USE_CPU"] == "1" and environment["OMP_NUM_THREADS"] == "1"


def test_one_gpu_process_needs_neither_a_group_nor_the_cpu_switch():
    from helpers.launching import launch_command

    command, environment = launch_command("s.py", [], num_processes=1, cpu=False)
    assert "--multi_gpu" not in command and "--main_process_port" not in command
    assert "ACCELERATE_USE_CPU" not in environment


def test_launched_processes_show_no_library_progress_bars_in_the_cell():
    from helpers.launching import launch_command

    for cpu in (True, False):
        _, environment = launch_command("s.py", [], num_processes=1, cpu=cpu)
        assert environment["HF_DATASETS_DISABLE_PROGRESS_BARS"] == "1"
        assert environment["HF_HUB_DISABLE_PROGRESS_BARS"] == "1"


def test_loop_arguments_pass_the_notebooks_parameters():
    from helpers.launching import loop_arguments

    assert loop_arguments("tiny", 42, "out") == ["--mode", "tiny", "--seed", "42", "--output-dir", "out"]
    arguments = loop_arguments("full", 1, "out", 64, "ada/x", MODEL_SHAPE={"n_layer": 2})
    assert arguments[6:] == ["--max-samples", "64", "--push-to-hub", "ada/x", "--set", "MODEL_SHAPE={'n_layer': 2}"]
    assert loop_arguments("tiny", 42, "out", resume=True)[-1] == "--resume"


def test_the_command_is_shown_as_a_learner_types_it():
    import sys

    from helpers.launching import shown_command
    from helpers.results import project_root

    script = project_root() / "scripts" / "01_token_classification.py"
    shown = shown_command([sys.executable, "-m", "accelerate.commands.launch", "--num_processes", "2", str(script)])
    assert shown == "accelerate launch --num_processes 2 scripts/01_token_classification.py"


def test_run_prints_the_output_and_raises_when_the_command_fails(capsys):
    import subprocess
    import sys

    from helpers.launching import run

    run([sys.executable, "-c", "print('hello'); import sys; print('bar\\r', end='', file=sys.stderr)"])
    out = capsys.readouterr().out
    assert out.startswith("$ ") and "hello\n" in out
    assert "bar\r" in out  # a progress bar's carriage return reaches Jupyter, which redraws the bar in place
    with pytest.raises(subprocess.CalledProcessError):
        run([sys.executable, "-c", "raise SystemExit(3)"])


def test_run_keeps_prints_and_the_progress_bar_in_the_order_written(capsys, monkeypatch):
    import sys

    from helpers.launching import run

    monkeypatch.delenv("PYTHONUNBUFFERED", raising=False)
    # A pipe makes the child's stdout block-buffered; without PYTHONUNBUFFERED the epoch line came after the bar.
    code = (
        "import sys; print('bar 1/2', end='\\r', file=sys.stderr); print('epoch 0'); "
        "print('bar 2/2', file=sys.stderr)"
    )
    run([sys.executable, "-c", code])
    shown, out = capsys.readouterr().out.split("\n", 1)  # the command, then its output
    assert out.index("bar 1/2") < out.index("epoch 0") < out.index("bar 2/2")
