import logging

import pytest

from helpers.generation import generate_texts
from helpers.tiny.checkpoints import build_marian

PAIRS = [
    ("Open the file browser", "Ouvrir le navigateur de fichiers"),
    ("Close all open tabs", "Fermer tous les onglets ouverts"),
    ("Restart the kernel now", "Redémarrer le noyau maintenant"),
] * 10


@pytest.fixture(scope="module")
def marian(tmp_path_factory):
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    folder = build_marian(
        tmp_path_factory.mktemp("marian"), PAIRS, vocab_size=60, d_model=16, num_heads=2, ffn_dim=32, max_length=16
    )
    return AutoModelForSeq2SeqLM.from_pretrained(folder), AutoTokenizer.from_pretrained(folder)


def test_one_output_per_input_in_order_whatever_the_batch_size(marian):
    model, tokenizer = marian
    texts = [e for e, _ in PAIRS[:5]]
    one_by_one = generate_texts(model, tokenizer, texts, batch_size=1, max_new_tokens=5)
    batched = generate_texts(model, tokenizer, texts, batch_size=4, max_new_tokens=5)
    assert len(batched) == 5 and all(isinstance(t, str) for t in batched)
    assert one_by_one == batched


def test_output_length_is_capped_and_special_tokens_are_dropped(marian):
    model, tokenizer = marian
    (text,) = generate_texts(model, tokenizer, ["Open the file browser"], max_new_tokens=3)
    assert len(tokenizer(text_target=text, add_special_tokens=False)["input_ids"]) <= 3
    assert "<pad>" not in text and "</s>" not in text


def test_long_inputs_are_truncated_not_crashed_on(marian):
    model, tokenizer = marian
    assert len(generate_texts(model, tokenizer, ["Open the file browser " * 40], max_new_tokens=2)) == 1


def test_the_model_is_left_in_the_mode_it_was_in(marian):
    model, tokenizer = marian
    model.train()
    generate_texts(model, tokenizer, ["Close all open tabs"], max_new_tokens=2)
    assert model.training
    model.eval()


def test_bad_arguments_are_explained(marian):
    model, tokenizer = marian
    with pytest.raises(TypeError, match="list of texts"):
        generate_texts(model, tokenizer, "Close all open tabs")
    with pytest.raises(ValueError, match="at least 1"):
        generate_texts(model, tokenizer, ["Close"], batch_size=0)


def test_a_max_length_in_the_generation_settings_neither_warns_nor_caps_the_output(marian):
    model, tokenizer = marian
    warnings = []
    listener = logging.Handler(level=logging.WARNING)
    listener.emit = warnings.append  # transformers' loggers do not propagate to pytest's caplog
    stored = model.generation_config.max_length
    model.generation_config.max_length = 2  # as opus-mt keeps 512, or a Seq2SeqTrainer evaluation leaves 20
    logging.getLogger("transformers").addHandler(listener)
    try:
        (text,) = generate_texts(model, tokenizer, ["Open the file browser"], max_new_tokens=6)
    finally:
        logging.getLogger("transformers").removeHandler(listener)
        model.generation_config.max_length = stored
    assert not [record.getMessage() for record in warnings if "max_new_tokens" in record.getMessage()]
    # max_new_tokens decides: up to 6 new tokens, not the 2 of the stored max_length (the start token and one more).
    assert len(tokenizer(text_target=text, add_special_tokens=False)["input_ids"]) > 1, text
