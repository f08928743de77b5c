import pytest
import torch

from helpers.precision import PRECISIONS, mixed_precision


def fake_gpu(monkeypatch, *, cuda: bool, native_bf16: bool, emulated_bf16: bool = True):
    """Make torch report a GPU (or none) whose bf16 support is native, emulated, or absent."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)

    def is_bf16_supported(including_emulation: bool = True) -> bool:
        return native_bf16 or (including_emulation and emulated_bf16)

    monkeypatch.setattr(torch.cuda, "is_bf16_supported", is_bf16_supported)


def test_no_gpu_means_no_mixed_precision(monkeypatch):
    fake_gpu(monkeypatch, cuda=False, native_bf16=False)
    assert mixed_precision() == "no" and mixed_precision(fp16_ok=False) == "no"


def test_a_gpu_with_native_bf16_uses_bf16(monkeypatch):
    fake_gpu(monkeypatch, cuda=True, native_bf16=True)
    assert mixed_precision() == "bf16" and mixed_precision(fp16_ok=False) == "bf16"


def test_emulated_bf16_on_a_t4_does_not_count_and_fp16_is_used(monkeypatch):
    fake_gpu(monkeypatch, cuda=True, native_bf16=False, emulated_bf16=True)
    assert torch.cuda.is_bf16_supported()  # what the plain call says on a T4
    assert mixed_precision() == "fp16"


def test_a_model_that_overflows_in_fp16_trains_in_32_bits_without_native_bf16(monkeypatch):
    fake_gpu(monkeypatch, cuda=True, native_bf16=False)
    assert mixed_precision(fp16_ok=False) == "no"


@pytest.mark.parametrize("native", [True, False])
def test_every_answer_is_a_value_accelerate_accepts(monkeypatch, native):
    from accelerate.utils import PrecisionType

    fake_gpu(monkeypatch, cuda=True, native_bf16=native)
    for fp16_ok in (True, False):
        assert mixed_precision(fp16_ok) in PRECISIONS
        assert mixed_precision(fp16_ok) in set(PrecisionType.list())
