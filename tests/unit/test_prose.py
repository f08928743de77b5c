"""The text a learner reads stays about the task: short README, one docs page, little tiny-mode talk."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
TINY = re.compile(r"\btiny\b", re.IGNORECASE)
DATED = re.compile(r"\b20\d\d-\d\d-\d\d\b|\bUTC\b")


def markdown_cells(path: Path) -> list[str]:
    """Return the text of every markdown cell of a notebook."""
    cells = json.loads(path.read_text())["cells"]
    return ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "markdown"]


def tiny_share(cells: list[str]) -> float:
    """Return the fraction of markdown words that sit in cells mentioning the word "tiny"."""
    words = [len(text.split()) for text in cells]
    tiny = [n for n, text in zip(words, cells) if TINY.search(text)]
    return sum(tiny) / max(sum(words), 1)


def test_tiny_share_counts_whole_cells_that_mention_tiny():
    cells = ["one two three four", "Tiny mode here", "the tinyest word is not the word"]
    assert tiny_share(cells) == pytest.approx(3 / 14)
    assert tiny_share([]) == 0


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_tiny_mode_fills_at_most_a_fifth_of_the_notebooks_prose(path):
    share = tiny_share(markdown_cells(path))
    assert share <= 0.20, f"{path.name}: markdown cells that mention tiny mode hold {share:.0%} of its words"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_each_notebook_has_one_about_tiny_mode_cell_near_its_start(path):
    cells = markdown_cells(path)
    about = [i for i, text in enumerate(cells) if re.match(r"#+ About tiny mode", text.lstrip())]
    assert len(about) == 1, f"{path.name}: {len(about)} 'About tiny mode' headings"
    assert about[0] <= 4, f"{path.name}: the 'About tiny mode' cell is markdown cell {about[0]}"
    assert "docs/tiny-mode.md" in cells[about[0]]


def test_the_readme_fits_a_learners_first_five_minutes():
    text = (ROOT / "README.md").read_text()
    assert len(text) <= 12_000, f"README.md has {len(text):,} characters"
    assert not DATED.search(text), f"dated entry in README.md: {DATED.search(text).group()}"


def test_docs_hold_one_page_on_tiny_mode_without_a_diary():
    pages = sorted(path.name for path in (ROOT / "docs").glob("*.md"))
    assert pages == ["tiny-mode.md"]
    text = (ROOT / "docs" / "tiny-mode.md").read_text()
    assert len(text) <= 20_000, f"docs/tiny-mode.md has {len(text):,} characters"
    assert not DATED.search(text), f"dated entry in docs/tiny-mode.md: {DATED.search(text).group()}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_links_to_the_docs_page_name_its_sections(path):
    page = (ROOT / "docs" / "tiny-mode.md").read_text()
    anchors = {github_anchor(line.lstrip("#").strip()) for line in page.splitlines() if line.startswith("#")}
    for cell in markdown_cells(path):
        for anchor in re.findall(r"docs/tiny-mode\.md#([\w-]+)", cell):
            assert anchor in anchors, f"{path.name} links to #{anchor}, which docs/tiny-mode.md lacks"


def github_anchor(heading: str) -> str:
    """Return the anchor GitHub gives a markdown heading."""
    text = re.sub(r"[^\w\- ]", "", heading.lower())
    return text.replace(" ", "-")


def test_github_anchor_drops_punctuation_and_joins_words_with_hyphens():
    assert github_anchor("Notebook 1: token classification (NER)") == "notebook-1-token-classification-ner"
