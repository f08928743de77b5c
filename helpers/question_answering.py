"""Extractive question answering: labelling a window, choosing the best answer span, answering new questions.

A context longer than the model's window is cut into overlapping windows. In each window the
model scores every token as the answer's start and as its end; these functions turn those
scores back into a piece of the context. transformers v5 has no question-answering pipeline;
``answer_question`` does its job.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def answer_token_span(
    offsets: Sequence[tuple[int, int]],
    sequence_ids: Sequence[int | None],
    start_char: int,
    end_char: int,
) -> tuple[int, int]:
    """Return the positions of the answer's first and last tokens in one window, or (0, 0) if the window lacks part of it.

    ``offsets`` and ``sequence_ids`` are the window's, from a fast tokenizer (the context is
    sequence 1); the answer covers the context characters ``start_char`` to ``end_char``
    (exclusive). (0, 0) points at ``[CLS]``: the label of "no answer in this window".
    """
    if len(offsets) != len(sequence_ids):
        raise ValueError(f"Got {len(offsets)} offsets but {len(sequence_ids)} sequence ids; pass those of one window.")
    if not 0 <= start_char < end_char:
        raise ValueError(f"The answer must cover at least one character: got characters {start_char} to {end_char}.")
    context = [i for i, sequence in enumerate(sequence_ids) if sequence == 1]
    if not context:
        raise ValueError("The window holds no context tokens (no sequence id 1): tokenize (question, context) pairs.")
    first, last = context[0], context[-1]
    if offsets[first][0] > start_char or offsets[last][1] < end_char:
        return 0, 0
    start = first
    while start < last and offsets[start + 1][0] <= start_char:
        start += 1
    end = last
    while end > first and offsets[end - 1][1] >= end_char:
        end -= 1
    return start, end


def _log_softmax(logits: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Return log-probabilities over the positions where ``keep`` is True (-inf elsewhere)."""
    masked = np.where(keep, logits.astype(np.float64), -np.inf)
    top = masked.max()
    return masked - top - math.log(np.exp(masked - top).sum())


def best_answer(
    context: str,
    windows: Sequence[tuple[Sequence[float], Sequence[float], Sequence[tuple[int, int] | None]]],
    *,
    n_best: int = 20,
    max_answer_length: int = 30,
) -> dict:
    """Return the best answer span over the windows of one context: ``{"text", "score", "start", "end"}``.

    Each window is ``(start_logits, end_logits, offsets)``, where ``offsets`` is ``None`` for
    every token outside the context. In each window the ``n_best`` likeliest starts and ends are
    paired; a pair is kept if it lies in the context, ends at or after its start and spans at
    most ``max_answer_length`` tokens. ``score`` is the span's probability in its window
    (softmax over the window's context tokens, start times end), and ``start``/``end`` are its
    characters in ``context`` (end exclusive). With no valid pair, ``text`` is empty and the
    other values are None.
    """
    if n_best < 1 or max_answer_length < 1:
        raise ValueError(f"n_best and max_answer_length must be at least 1, not {n_best} and {max_answer_length}.")
    best = {"text": "", "score": None, "start": None, "end": None}
    best_log_prob = -math.inf
    for index, (start_logits, end_logits, offsets) in enumerate(windows):
        start_logits, end_logits = np.asarray(start_logits), np.asarray(end_logits)
        if not len(start_logits) == len(end_logits) == len(offsets):
            raise ValueError(
                f"Window {index} has {len(start_logits)} start logits, {len(end_logits)} end logits and "
                f"{len(offsets)} offsets; they must be one per token."
            )
        in_context = np.array([offset is not None for offset in offsets])
        if not in_context.any():
            continue
        start_log_probs, end_log_probs = _log_softmax(start_logits, in_context), _log_softmax(end_logits, in_context)
        starts = np.argsort(start_log_probs)[::-1][:n_best]
        ends = np.argsort(end_log_probs)[::-1][:n_best]
        for start in starts:
            for end in ends:
                if offsets[start] is None or offsets[end] is None or not 0 <= end - start < max_answer_length:
                    continue
                log_prob = start_log_probs[start] + end_log_probs[end]
                if log_prob > best_log_prob:
                    best_log_prob = log_prob
                    first, last = offsets[start][0], offsets[end][1]
                    best = {"text": context[first:last], "score": math.exp(log_prob), "start": first, "end": last}
    return best


def answer_question(
    model,
    tokenizer,
    question: str,
    context: str,
    *,
    max_length: int | None = None,
    stride: int | None = None,
    n_best: int = 20,
    max_answer_length: int = 30,
) -> dict:
    """Return the answer to ``question`` found in ``context``: ``{"text", "score", "start", "end"}``, as ``best_answer`` gives it.

    A context longer than ``max_length`` tokens (default: the tokenizer's ``model_max_length``)
    is cut into windows that overlap by ``stride`` tokens (default: a third of ``max_length``,
    the course's 128 for 384); the best span of all windows wins.
    """
    import torch

    if not isinstance(question, str) or not isinstance(context, str):
        raise TypeError("Pass one question and one context, each a string.")
    if not question.strip() or not context.strip():
        raise ValueError("Both the question and the context must contain text.")
    max_length = max_length or tokenizer.model_max_length
    encoding = tokenizer(
        question,
        context,
        max_length=max_length,
        truncation="only_second",
        stride=max_length // 3 if stride is None else stride,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
        padding=True,
        return_tensors="pt",
    )
    offsets = [
        [offset if sequence == 1 else None for offset, sequence in zip(window, encoding.sequence_ids(i))]
        for i, window in enumerate(encoding["offset_mapping"].tolist())
    ]
    inputs = {name: encoding[name].to(model.device) for name in ("input_ids", "attention_mask", "token_type_ids") if name in encoding}
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            outputs = model(**inputs)
    finally:
        model.train(was_training)
    windows = list(zip(outputs.start_logits.cpu().numpy(), outputs.end_logits.cpu().numpy(), offsets))
    return best_answer(context, windows, n_best=n_best, max_answer_length=max_answer_length)
