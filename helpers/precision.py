"""Which mixed precision a training run can use on this machine."""

from __future__ import annotations

PRECISIONS = ("bf16", "fp16", "no")


def mixed_precision(fp16_ok: bool = True) -> str:
    """Return ``"bf16"`` on a GPU that computes in bf16 natively, else ``"fp16"`` on any GPU, else ``"no"``.

    ``torch.cuda.is_bf16_supported()`` also answers True where bf16 is only emulated (a T4, Colab's
    free GPU), which is slower than 32-bit floats there, so only native support counts. Pass
    ``fp16_ok=False`` for a model that overflows in fp16 (mT5): on a GPU without native bf16 it
    then trains in 32-bit floats. The answer suits both ``Accelerator(mixed_precision=...)`` and
    ``TrainingArguments(bf16=... == "bf16", fp16=... == "fp16")``.
    """
    import torch

    if not torch.cuda.is_available():
        return "no"
    if torch.cuda.is_bf16_supported(including_emulation=False):
        return "bf16"
    return "fp16" if fp16_ok else "no"
