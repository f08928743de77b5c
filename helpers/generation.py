"""Text generation with a sequence-to-sequence model, in batches: what the removed pipelines did."""

from __future__ import annotations

from collections.abc import Sequence


def generate_texts(
    model,
    tokenizer,
    texts: Sequence[str],
    *,
    batch_size: int = 16,
    max_input_length: int | None = None,
    max_new_tokens: int = 64,
    num_beams: int = 1,
) -> list[str]:
    """Return one generated text per input text, decoded without special tokens, in input order.

    Inputs longer than ``max_input_length`` tokens (default: the tokenizer's ``model_max_length``)
    are truncated; each output has at most ``max_new_tokens`` tokens.
    """
    import torch

    if isinstance(texts, str):
        raise TypeError("Pass a list of texts, not a single string: generate_texts(model, tokenizer, [text]).")
    if batch_size < 1 or max_new_tokens < 1 or num_beams < 1:
        raise ValueError(
            f"batch_size, max_new_tokens and num_beams must be at least 1, "
            f"not {batch_size}, {max_new_tokens} and {num_beams}."
        )
    max_input_length = max_input_length or tokenizer.model_max_length
    was_training = model.training
    model.eval()
    outputs: list[str] = []
    try:
        for start in range(0, len(texts), batch_size):
            batch = tokenizer(
                list(texts[start : start + batch_size]),
                max_length=max_input_length,
                truncation=True,
                padding=True,
                return_tensors="pt",
            ).to(model.device)
            with torch.no_grad():
                # max_length=None: max_new_tokens alone caps the output. A max_length kept in the model's
                # generation settings (opus-mt's 512, the 20 a Seq2SeqTrainer evaluation saves) would
                # otherwise be overridden all the same, with a warning at every batch.
                generated = model.generate(**batch, max_new_tokens=max_new_tokens, max_length=None, num_beams=num_beams)
            outputs += tokenizer.batch_decode(generated, skip_special_tokens=True)
    finally:
        model.train(was_training)
    return outputs
