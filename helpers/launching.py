"""Running a notebook's ``training_function`` under an Accelerate launcher after a ``Trainer`` ran."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def launch_context(num_processes: int) -> Iterator[None]:
    """Prepare this process for an Accelerate launch of ``num_processes``, and undo it afterwards.

    - A ``Trainer`` creates an ``Accelerator``, whose state lives in process-wide singletons.
      Launchers refuse to start while it exists, and forked workers would inherit it instead of
      joining their process group. Inside the block that state is set aside; afterwards it is
      restored, so the ``Trainer`` keeps working.
    - Forked workers inherit the PyTorch thread count: it is set to one share of the CPU cores
      each, and never more than this process uses (one in tiny mode), with ``OMP_NUM_THREADS``
      to match, so Accelerate does not override it: processes that share a CPU run slower with
      more threads than cores.
    - Tokenizer threads are switched off for the workers, which avoids the tokenizers
      library's warning about forking after parallelism was used.
    - transformers logs errors only: every worker loads the checkpoint again, and would repeat
      the warnings (such as the LOAD REPORT of newly initialised head weights) that the
      notebook showed once already when its ``Trainer`` section loaded the same checkpoint.
    """
    import torch
    from accelerate.state import AcceleratorState, GradientState, PartialState
    from transformers.utils import logging as transformers_logging

    if num_processes < 1:
        raise ValueError(f"num_processes must be at least 1, not {num_processes}.")
    saved_states = {cls: dict(cls._shared_state) for cls in (PartialState, AcceleratorState, GradientState)}
    saved_threads = torch.get_num_threads()
    threads = max(1, min(saved_threads, (os.cpu_count() or 1) // num_processes))
    new_env = {"TOKENIZERS_PARALLELISM": "false", "OMP_NUM_THREADS": str(threads)}
    saved_env = {name: os.environ.get(name) for name in new_env}
    for cls in saved_states:
        cls._shared_state.clear()
    os.environ.update(new_env)
    torch.set_num_threads(threads)
    saved_verbosity = transformers_logging.get_verbosity()
    transformers_logging.set_verbosity_error()
    try:
        yield
    finally:
        for cls, state in saved_states.items():
            cls._shared_state.clear()
            cls._shared_state.update(state)
        for name, value in saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        torch.set_num_threads(saved_threads)
        transformers_logging.set_verbosity(saved_verbosity)
