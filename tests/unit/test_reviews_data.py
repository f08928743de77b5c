"""Docstring pairs and the Amazon-reviews-shaped tiny data built from them (helpers.tiny.reviews)."""

import textwrap

import pytest

from helpers.tiny import reviews
from helpers.tiny.reviews import REVIEW_FEATURES, build_reviews_dataset, is_good_pair, source_pairs, split_docstring

NUMPY_STYLE = textwrap.dedent(
    """\
    Return the running total of the values.

    The values are added from left to right. An empty input gives an empty result.

    Parameters
    ----------
    values : list
        The numbers to add.

    Returns
    -------
    list
    """
)

GOOGLE_STYLE = textwrap.dedent(
    """\
    Load a table from a file on disk.

    The file is read in one go. Large files are better streamed.
    Args:
        path: where the file is.
    Returns:
        The table.
    """
)


def test_numpy_style_sections_end_the_body():
    summary, body = split_docstring(NUMPY_STYLE)
    assert summary == "Return the running total of the values."
    assert body == "The values are added from left to right. An empty input gives an empty result."


def test_a_section_heading_inside_a_paragraph_cuts_it_there():
    summary, body = split_docstring(GOOGLE_STYLE)
    assert summary == "Load a table from a file on disk."
    assert body == "The file is read in one go. Large files are better streamed."


@pytest.mark.parametrize(
    "structured",
    [
        ">>> total([1, 2])\n[1, 3]",
        ".. note::\n   A directive.",
        ":param values: the numbers",
        "Examples:\n    total([1])",
        "Raises\n------\nValueError",
    ],
)
def test_doctests_directives_field_lists_and_other_sections_end_the_body(structured):
    docstring = f"Add things up nicely.\n\nFirst prose. Second prose.\n\n{structured}\n\nLater prose. Not kept."
    assert split_docstring(docstring) == ("Add things up nicely.", "First prose. Second prose.")


def test_code_blocks_and_lists_before_the_sections_are_skipped():
    docstring = "Add things up nicely.\n\nFirst prose.\n\n    indented = code()\n\n- a bullet\n- another\n\nMore prose here."
    assert split_docstring(docstring) == ("Add things up nicely.", "First prose. More prose here.")


def test_paragraph_lines_are_joined_onto_one_line():
    docstring = "Add things up nicely.\n\nThis sentence runs\nover two lines. And ends."
    assert split_docstring(docstring)[1] == "This sentence runs over two lines. And ends."


def test_a_summary_that_spans_several_lines_is_not_a_summary_line():
    assert split_docstring("Add things up\nover two lines.\n\nBody. More body.")[0] == ""


@pytest.mark.parametrize("docstring", ["", "   \n  ", "Only a summary line."])
def test_docstrings_without_a_body_give_an_empty_body(docstring):
    assert split_docstring(docstring)[1] == ""


def test_split_docstring_rejects_non_strings():
    with pytest.raises(TypeError, match="string"):
        split_docstring(None)


def test_good_pairs_need_a_title_of_three_words_and_two_body_sentences():
    assert is_good_pair("Add the numbers.", "One sentence. Two sentences.")
    assert not is_good_pair("Add numbers.", "One sentence. Two sentences.")
    assert not is_good_pair("Add the numbers.", "Only one sentence here.")
    assert not is_good_pair("", "")


@pytest.fixture
def source_tree(tmp_path):
    """A small package: two modules with good docstrings, one bad one, and a tests folder to skip."""
    (tmp_path / "pkg" / "tests").mkdir(parents=True)
    (tmp_path / "pkg" / "alpha.py").write_text(
        textwrap.dedent(
            '''\
            """Tools for adding numbers together.

            The module keeps a running total. It never forgets a value.
            """


            def total(values):
                """Return the running total of the values.

                The values are added in order. Nothing is rounded.
                """


            class Counter:
                """Count the things you show it.

                Each call adds one. The count starts at zero.
                """

                def reset(self):
                    """Set the count back to zero.

                    Nothing else changes. The history is kept.
                    """


            def short():
                """Too short.

                One sentence only.
                """
            '''
        )
    )
    (tmp_path / "pkg" / "beta.py").write_text('"""Beta module of the package.\n\nIt does little. It is small."""\n')
    (tmp_path / "pkg" / "broken.py").write_text("def oops(:\n")
    (tmp_path / "pkg" / "tests" / "test_alpha.py").write_text('"""Tests of the alpha module.\n\nThey pass. They are quick."""\n')
    return tmp_path / "pkg"


def test_source_pairs_reads_files_in_sorted_order_and_names_every_object(source_tree):
    rows = source_pairs(source_tree, "pkg", {"tests"})
    assert [(row["module"], row["object"]) for row in rows] == [
        ("alpha", ""),
        ("alpha", "total"),
        ("alpha", "Counter"),
        ("alpha", "Counter.reset"),
        ("beta", ""),
    ]
    assert {row["product_category"] for row in rows} == {"pkg"}
    assert rows[1]["review_title"] == "Return the running total of the values."
    assert rows[1]["review_body"] == "The values are added in order. Nothing is rounded."


def test_source_pairs_needs_a_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a folder"):
        source_pairs(tmp_path / "missing", "pkg")


def _rows(count):
    return [
        {
            "module": f"mod{i % 40}",
            "object": f"f{i}",
            "review_body": f"Body number {i} is here. It has two sentences.",
            "review_title": f"Title number {i} here",
            "product_category": "python_stdlib" if i % 2 else "pkg",
        }
        for i in range(count)
    ]


SIZES = {"train": 50, "validation": 10, "test": 10}


def test_built_data_has_the_review_corpus_columns_and_features():
    data = build_reviews_dataset(_rows(200), seed=0, sizes=SIZES)
    assert list(data) == ["train", "validation", "test"]
    for split in data.values():
        assert split.features == REVIEW_FEATURES
        assert split.column_names == [
            "review_id", "product_id", "reviewer_id", "stars", "review_body", "review_title", "language", "product_category",
        ]
        assert set(split["language"]) == {"en"}
    assert len(data["train"]) == 50


def test_built_data_is_the_same_for_the_same_seed_and_differs_for_another():
    first = build_reviews_dataset(_rows(200), seed=0, sizes=SIZES)
    again = build_reviews_dataset(_rows(200), seed=0, sizes=SIZES)
    other = build_reviews_dataset(_rows(200), seed=1, sizes=SIZES)
    assert first["train"].to_list() == again["train"].to_list()
    assert first["train"]["review_body"] != other["train"]["review_body"]


def test_no_module_is_in_two_splits_and_no_target_is_empty():
    data = build_reviews_dataset(_rows(400), seed=0, sizes={"train": 1000, "validation": 1000, "test": 1000})
    modules = {split: set(data[split]["product_id"]) for split in data}
    assert not modules["train"] & modules["validation"]
    assert not modules["train"] & modules["test"]
    assert not modules["validation"] & modules["test"]
    assert sum(len(data[split]) for split in data) == 400
    for split in data.values():
        assert all(title.strip() for title in split["review_title"])
        assert len(set(split["review_id"])) == len(split)


def test_build_reviews_dataset_says_which_split_got_nothing():
    with pytest.raises(ValueError, match="fell into"):
        build_reviews_dataset(_rows(3), seed=0, sizes=SIZES)
    with pytest.raises(ValueError, match="for each of"):
        build_reviews_dataset(_rows(200), seed=0, sizes={"train": 5})


def test_installed_pairs_keep_each_body_once(monkeypatch, source_tree):
    copies = [
        {"module": "a", "object": "x", "review_body": "Same body. Twice.", "review_title": "A title here", "product_category": "c"},
        {"module": "b", "object": "y", "review_body": "Same body. Twice.", "review_title": "Another title here", "product_category": "c"},
    ]
    monkeypatch.setattr(reviews, "source_pairs", lambda root, category, skipped=(): [dict(row) for row in copies])
    monkeypatch.setattr(reviews, "package_folder", lambda name: source_tree)
    rows = reviews.installed_pairs(packages=("pkg",))
    assert [row["module"] for row in rows] == ["a"]
