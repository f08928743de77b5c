"""`make test-gpu`: every notebook in full mode against the Hub stand-in, on the GPUs this machine has.

It checks what no CPU run can: 16-bit training (bf16 where the GPU computes it natively, fp16
elsewhere, 32-bit floats for mT5 where bf16 is not native), pinned memory, and the custom loop on
every visible GPU. On a machine without a GPU every test is skipped, saying so.
"""

from __future__ import annotations

import pytest
import torch

from full_runs import NAMES

pytestmark = pytest.mark.skipif(
    not torch.cuda.is_available(), reason="no CUDA GPU is visible on this machine: there is nothing to check"
)


def expected_precision(name: str) -> str:
    """Return the precision helpers.precision.mixed_precision picks for the notebook on this GPU."""
    if torch.cuda.is_bf16_supported(including_emulation=False):
        return "bf16"
    return "no" if name.startswith("04") else "fp16"  # mT5 overflows in fp16


@pytest.mark.parametrize("name", NAMES)
def test_on_gpus_both_trainings_use_16_bit_floats_pinned_memory_and_every_gpu(full_run, name):
    results = full_run(name)["results"]
    gpus = torch.cuda.device_count()
    precision = expected_precision(name)
    print(f"\n{name}: {gpus} x {torch.cuda.get_device_name(0)}; expecting {precision}, pinned memory, {gpus} loop processes")
    assert results["mixed_precision"] == precision  # the Trainer's
    assert results["accelerate_mixed_precision"] == precision  # the loop's Accelerator
    assert results["pin_memory"] is True
    assert results["accelerate_processes"] == gpus
