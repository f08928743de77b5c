"""Code shared by the causal-language-modelling notebook, its tiny-mode data builder and the tests."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

# The libraries whose names selected the files of the codeparrot-ds data sets.
DATA_SCIENCE_KEYWORDS = ("pandas", "sklearn", "matplotlib", "seaborn")


def mentions_any(text: str, keywords: Iterable[str] = DATA_SCIENCE_KEYWORDS) -> bool:
    """Return True if ``text`` contains at least one of ``keywords`` (plain, case-sensitive substrings)."""
    if isinstance(keywords, str):
        raise TypeError(f"keywords is the string {keywords!r}; pass a list of keywords, such as [{keywords!r}].")
    keywords = list(keywords)
    if not keywords or any(not isinstance(k, str) or not k for k in keywords):
        raise ValueError(f"keywords must be a non-empty list of non-empty strings, not {keywords!r}.")
    return any(keyword in text for keyword in keywords)


def keytoken_weighted_loss(logits, labels, keytoken_ids: Sequence[int], alpha: float = 1.0):
    """Return the next-token cross-entropy averaged over samples weighted by ``1 + alpha * key-token count``.

    ``logits`` has shape (batch, length, vocabulary) and ``labels`` (batch, length), as a causal
    language model sees them: the logits at position ``t`` predict the label at ``t + 1``.
    Labels equal to -100 (padding) are ignored, both in the loss and in the key-token count.
    Each sample's loss is the mean over its predicted tokens; the result is the weighted mean
    of those, so with ``alpha=0`` it equals the plain per-sample average.
    """
    import torch
    import torch.nn.functional as F

    if logits.dim() != 3 or labels.dim() != 2 or logits.shape[:2] != labels.shape:
        raise ValueError(
            f"Expected logits of shape (batch, length, vocabulary) and labels of shape (batch, length); "
            f"got {tuple(logits.shape)} and {tuple(labels.shape)}."
        )
    if labels.shape[1] < 2:
        raise ValueError("Sequences need at least two tokens: the first one predicts the second.")
    if not len(keytoken_ids):
        raise ValueError("keytoken_ids is empty; pass the ids of the tokens whose samples should count more.")
    if alpha < 0:
        raise ValueError(f"alpha must be 0 or more, not {alpha}; a negative weight would reward mistakes.")

    shifted_logits = logits[:, :-1, :]
    targets = labels[:, 1:]
    token_losses = F.cross_entropy(
        shifted_logits.reshape(-1, shifted_logits.size(-1)), targets.reshape(-1), ignore_index=-100, reduction="none"
    ).view(targets.shape)
    counted = targets != -100
    per_sample = (token_losses * counted).sum(dim=1) / counted.sum(dim=1).clamp(min=1)
    keys = torch.as_tensor(list(keytoken_ids), device=targets.device)
    key_counts = (torch.isin(targets, keys) & counted).sum(dim=1)
    weights = 1.0 + alpha * key_counts.to(per_sample.dtype)
    return (per_sample * weights).sum() / weights.sum()
