import json
import os

import pytest
import torch
from accelerate import Accelerator, debug_launcher
from accelerate.state import AcceleratorState, PartialState

from helpers.launching import launch_context


def gather_ranks(path):
    """Runs in every launched process: gather each process's rank and let process 0 save them."""
    accelerator = Accelerator()
    ranks = accelerator.gather(torch.tensor([accelerator.process_index]))
    if accelerator.is_main_process:
        info = {"ranks": ranks.tolist(), "threads": torch.get_num_threads(), "type": str(accelerator.distributed_type)}
        with open(path, "w") as handle:
            json.dump(info, handle)


def test_two_cpu_processes_form_a_group_even_after_an_accelerator_exists(tmp_path):
    Accelerator()  # what a Trainer leaves behind
    before = dict(PartialState._shared_state)
    path = tmp_path / "ranks.json"
    with launch_context(num_processes=2):
        assert PartialState._shared_state == {}
        debug_launcher(gather_ranks, args=(str(path),), num_processes=2)
    info = json.loads(path.read_text())
    assert info["ranks"] == [0, 1]
    assert info["type"].endswith("MULTI_CPU")
    assert info["threads"] == max(1, min(torch.get_num_threads(), (os.cpu_count() or 1) // 2))
    assert PartialState._shared_state == before  # the Trainer's state is back


def test_workers_use_no_more_threads_than_the_notebook(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 8)  # a share of the cores would be 4 threads each
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # what a tiny-mode notebook does
    try:
        with launch_context(num_processes=2):
            assert torch.get_num_threads() == 1
            assert os.environ["OMP_NUM_THREADS"] == "1"
    finally:
        torch.set_num_threads(threads)


def test_environment_and_threads_are_restored(monkeypatch):
    monkeypatch.delenv("TOKENIZERS_PARALLELISM", raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "7")
    threads = torch.get_num_threads()
    with launch_context(num_processes=2):
        assert os.environ["TOKENIZERS_PARALLELISM"] == "false"
    assert "TOKENIZERS_PARALLELISM" not in os.environ
    assert os.environ["OMP_NUM_THREADS"] == "7"
    assert torch.get_num_threads() == threads


def test_transformers_warnings_are_quiet_inside_and_back_afterwards():
    from transformers.utils import logging as transformers_logging

    before = transformers_logging.get_verbosity()
    with launch_context(num_processes=2):
        assert transformers_logging.get_verbosity() == transformers_logging.ERROR
    assert transformers_logging.get_verbosity() == before


def test_state_is_restored_when_the_launch_fails():
    Accelerator()
    before = dict(AcceleratorState._shared_state)
    with pytest.raises(RuntimeError, match="boom"):
        with launch_context(num_processes=1):
            raise RuntimeError("boom")
    assert AcceleratorState._shared_state == before


def test_zero_processes_is_refused():
    with pytest.raises(ValueError, match="at least 1"):
        with launch_context(num_processes=0):
            pass
