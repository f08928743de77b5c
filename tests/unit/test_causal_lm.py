import json
import math
from pathlib import Path

import pytest
import torch

from helpers.causal_lm import DATA_SCIENCE_KEYWORDS, mentions_any

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "05_causal_language_modeling.ipynb"


def notebook_function(name: str):
    """Return the function ``name`` as notebook 5 defines it, from the one code cell that defines it."""
    cells = json.loads(NOTEBOOK.read_text())["cells"]
    (source,) = ["".join(c["source"]) for c in cells if c["cell_type"] == "code" and f"def {name}(" in "".join(c["source"])]
    namespace: dict = {}
    exec(source, namespace)
    return namespace[name]


# The loop's loss is teaching code: it lives in the notebook, where the learner reads it.
keytoken_weighted_loss = notebook_function("keytoken_weighted_loss")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("import pandas as pd", True),
        ("from sklearn.svm import SVC", True),
        ("import matplotlib.pyplot as plt", True),
        ("import seaborn as sns", True),
        ("import numpy as np", False),
        ("# Pandas and Seaborn, capitalised", False),  # the test is case-sensitive
        ("", False),
    ],
)
def test_keyword_filter_uses_the_four_libraries(text, expected):
    assert mentions_any(text) is expected


def test_keyword_filter_takes_other_keywords():
    assert mentions_any("import torch", ["torch"]) and not mentions_any("import torch", ["jax", "flax"])
    assert DATA_SCIENCE_KEYWORDS == ("pandas", "sklearn", "matplotlib", "seaborn")


def test_keyword_filter_refuses_a_single_string_and_empty_keywords():
    with pytest.raises(TypeError, match="pass a list of keywords"):
        mentions_any("import pandas", "pandas")
    with pytest.raises(ValueError, match="non-empty list"):
        mentions_any("import pandas", [])
    with pytest.raises(ValueError, match="non-empty list"):
        mentions_any("import pandas", ["pandas", ""])


def hand_cross_entropy(logits_row, target):
    """-log softmax(logits_row)[target], written out."""
    exps = [math.exp(v) for v in logits_row]
    return -math.log(exps[target] / sum(exps))


# Two samples of four tokens over a vocabulary of three; token 2 is the key token.
LOGITS = torch.tensor(
    [
        [[2.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.5, 0.5, 0.0], [9.0, 9.0, 9.0]],
        [[0.0, 0.0, 3.0], [1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [9.0, 9.0, 9.0]],
    ]
)
LABELS = torch.tensor([[0, 0, 1, 2], [1, 2, 2, 0]])


def per_sample_by_hand():
    # Logits at position t predict the label at t + 1; the last logits predict nothing.
    losses = []
    for logits_rows, labels in zip(LOGITS.tolist(), LABELS.tolist()):
        terms = [hand_cross_entropy(logits_rows[t], labels[t + 1]) for t in range(3)]
        losses.append(sum(terms) / len(terms))
    return losses


def test_weighted_loss_matches_a_hand_computation():
    first, second = per_sample_by_hand()
    # Predicted labels: sample 0 predicts [0, 1, 2] (one key token), sample 1 predicts [2, 2, 0] (two).
    alpha = 0.5
    w0, w1 = 1 + alpha * 1, 1 + alpha * 2
    expected = (w0 * first + w1 * second) / (w0 + w1)
    got = keytoken_weighted_loss(LOGITS, LABELS, [2], alpha=alpha)
    assert got.item() == pytest.approx(expected, rel=1e-6)


def test_alpha_zero_gives_the_models_own_loss():
    from torch.nn.functional import cross_entropy

    plain = cross_entropy(LOGITS[:, :-1].reshape(-1, 3), LABELS[:, 1:].reshape(-1))
    assert keytoken_weighted_loss(LOGITS, LABELS, [2], alpha=0.0).item() == pytest.approx(plain.item(), rel=1e-6)


def test_padding_is_ignored_in_loss_and_key_count():
    labels = LABELS.clone()
    labels[1, 3] = -100  # sample 1 now predicts [2, 2] only
    first = per_sample_by_hand()[0]
    second = (hand_cross_entropy(LOGITS[1, 0].tolist(), 2) + hand_cross_entropy(LOGITS[1, 1].tolist(), 2)) / 2
    w0, w1 = 2.0, 3.0  # alpha 1: one and two key tokens
    got = keytoken_weighted_loss(LOGITS, labels, [2], alpha=1.0)
    assert got.item() == pytest.approx((w0 * first + w1 * second) / (w0 + w1), rel=1e-6)


def test_weighted_loss_has_gradients():
    logits = LOGITS.clone().requires_grad_(True)
    keytoken_weighted_loss(logits, LABELS, [2]).backward()
    assert logits.grad is not None and logits.grad[:, -1].abs().sum() == 0  # last position predicts nothing


@pytest.mark.parametrize(
    "logits, labels, keys, alpha, message",
    [
        (LOGITS[0], LABELS, [2], 1.0, "Expected logits of shape"),
        (LOGITS, LABELS[:, :3], [2], 1.0, "Expected logits of shape"),
        (LOGITS[:, :1], LABELS[:, :1], [2], 1.0, "at least two tokens"),
        (LOGITS, LABELS, [], 1.0, "keytoken_ids is empty"),
        (LOGITS, LABELS, [2], -1.0, "alpha must be 0 or more"),
    ],
)
def test_weighted_loss_refuses_bad_input(logits, labels, keys, alpha, message):
    with pytest.raises(ValueError, match=message):
        keytoken_weighted_loss(logits, labels, keys, alpha=alpha)
