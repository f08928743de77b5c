"""The tiny IMDB-shaped data built from Python's documentation (helpers.tiny.prose)."""

import pytest

from helpers.tiny import prose

FRACTIONS = {"train": 0.6, "test": 0.1, "unsupervised": 0.3}


@pytest.fixture(scope="module")
def documents():
    return prose.domain_documents()


@pytest.fixture(scope="module")
def dataset(documents):
    return prose.build_imdb_dataset(documents, seed=0)


def test_prose_paragraphs_keep_prose_and_drop_code_tables_and_short_lines():
    text = (
        "The statement is used for conditional execution of a suite of code.\n\n"
        "   if_stmt ::= 'if' expression ':' suite\n\n"
        "+-------+-------+\n| a     | b     |\n+-------+-------+\n\n"
        ">>> print(1)\n1\n\n"
        "Too short.\n\n"
        "It selects exactly one of the suites\nby evaluating the expressions one by one."
    )
    assert prose.prose_paragraphs(text) == [
        "The statement is used for conditional execution of a suite of code.",
        "It selects exactly one of the suites by evaluating the expressions one by one.",
    ]


def test_domain_documents_come_from_topics_and_the_standard_library(documents):
    kinds = {doc.kind for doc in documents}
    assert kinds == {"topic", "docstring"}
    sources = [doc.source for doc in documents]
    assert len(sources) == len(set(sources))
    assert "topic:compound" in sources and any(s.startswith("stdlib:json") for s in sources)
    assert not any(".test." in s or s.startswith("stdlib:test.") for s in sources)
    assert sum(len(doc.text.split()) for doc in documents) > 100_000


def test_dataset_has_imdbs_splits_columns_and_features(dataset):
    assert list(dataset) == ["train", "test", "unsupervised"]
    for split in dataset.values():
        assert split.features == prose.IMDB_FEATURES
        assert split.features["label"].names == ["neg", "pos"]
    assert set(dataset["unsupervised"]["label"]) == {-1}
    assert set(dataset["train"]["label"]) == set(dataset["test"]["label"]) == {0, 1}
    assert min(len(split) for split in dataset.values()) > 100


def test_texts_are_review_sized_prose(dataset):
    lengths = [len(text.split()) for text in dataset["train"]["text"]]
    assert max(lengths) < 600 and sum(lengths) / len(lengths) > 50


def test_no_source_document_is_in_both_training_and_test(documents):
    splits = prose.split_documents(documents, FRACTIONS)
    held_out = {doc.source for doc in splits["test"]}
    seen = {doc.source for split in ("train", "unsupervised") for doc in splits[split]}
    assert held_out and seen and not held_out & seen
    assert sum(len(docs) for docs in splits.values()) == len(documents)


def test_no_test_text_occurs_in_a_training_split(dataset):
    test_texts = set(dataset["test"]["text"])
    for split in ("train", "unsupervised"):
        assert not test_texts & set(dataset[split]["text"])


def test_the_same_seed_gives_the_same_data_and_another_seed_only_reorders(documents, dataset):
    again = prose.build_imdb_dataset(documents, seed=0)
    other = prose.build_imdb_dataset(documents, seed=1)
    assert list(again["train"]["text"]) == list(dataset["train"]["text"])
    assert list(other["train"]["text"]) != list(dataset["train"]["text"])
    assert sorted(other["test"]["text"]) == sorted(dataset["test"]["text"])  # splits never move


def test_split_of_is_stable_and_follows_the_fractions():
    names = [f"doc{i}" for i in range(2000)]
    first = [prose.split_of(n, FRACTIONS) for n in names]
    assert first == [prose.split_of(n, FRACTIONS) for n in names]
    share = first.count("test") / len(first)
    assert 0.07 < share < 0.13


@pytest.mark.parametrize(
    "fractions", [{"train": 0.5, "test": 0.1}, {"train": 1.2, "test": -0.2}, {}], ids=["short", "negative", "empty"]
)
def test_split_of_refuses_fractions_that_do_not_add_up(fractions):
    with pytest.raises(ValueError, match="add up to 1"):
        prose.split_of("x", fractions)


def test_build_refuses_splits_other_than_imdbs(documents):
    with pytest.raises(ValueError, match="train', 'test', 'unsupervised"):
        prose.build_imdb_dataset(documents, fractions={"train": 0.9, "validation": 0.1})


def test_an_empty_split_is_reported():
    docs = [prose.Document("only:one", "topic", "A single paragraph of text that is long enough to keep.")]
    with pytest.raises(ValueError, match="No document fell into"):
        prose.split_documents(docs, FRACTIONS)


def test_repeated_paragraphs_are_kept_only_where_they_first_occur():
    shared = "This paragraph was copied from one module into another one."
    docs = [
        prose.Document("stdlib:a", "docstring", f"{shared}\nOnly module a says this."),
        prose.Document("stdlib:b", "docstring", f"{shared}\nOnly module b says this."),
        prose.Document("stdlib:c", "docstring", f"{shared}\n{shared}"),
        prose.Document("stdlib:d", "docstring", "Said twice in one module.\nSaid twice in one module."),
    ]
    kept = prose.without_repeats(docs)
    assert [d.source for d in kept] == ["stdlib:a", "stdlib:b", "stdlib:d"]
    assert kept[2].text == "Said twice in one module."
    assert kept[1].text == "Only module b says this."


def test_no_paragraph_occurs_in_two_documents(documents):
    paragraphs = [p for doc in documents for p in doc.text.split("\n")]
    assert len(paragraphs) == len(set(paragraphs))


def test_review_sized_packs_paragraphs_without_losing_words():
    paragraphs = [" ".join(["word"] * n) for n in (50, 120, 40, 300, 10)]
    doc = prose.Document("d", "topic", "\n".join(paragraphs))
    texts = prose.review_sized(doc, max_words=200)
    assert sum(len(t.split()) for t in texts) == 520
    assert [len(t.split()) for t in texts] == [170, 40, 300, 10]  # a long paragraph stays whole
    with pytest.raises(ValueError, match="at least 1"):
        prose.review_sized(doc, max_words=0)


def test_general_corpus_is_other_libraries_docstrings(documents):
    texts = prose.general_texts(("accelerate",))
    assert len(texts) > 100
    domain = {p for doc in documents for p in doc.text.split("\n")}
    assert not set(texts) & domain


def test_docstring_documents_skip_folders_and_read_without_importing(tmp_path):
    (tmp_path / "pkg" / "tests").mkdir(parents=True)
    (tmp_path / "pkg" / "mod.py").write_text(
        '"""A module docstring with enough words to count as prose here."""\n'
        "raise SystemExit('importing this would stop the tests')\n"
    )
    (tmp_path / "pkg" / "tests" / "test_mod.py").write_text('"""A test docstring with enough words to be kept."""\n')
    (tmp_path / "pkg" / "broken.py").write_text("def (:\n")
    docs = prose.docstring_documents(tmp_path, "demo", skipped={"tests"})
    assert [(d.source, d.kind) for d in docs] == [("demo:pkg.mod", "docstring")]


def test_missing_folders_and_packages_give_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a folder"):
        prose.docstring_documents(tmp_path / "nowhere", "x")
    with pytest.raises(ModuleNotFoundError, match="is not installed"):
        prose.package_folder("surely_not_an_installed_package")
