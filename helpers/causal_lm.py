"""The data-science filter of the causal-language-modelling data, shared by its tiny-mode builder and the tests."""

from __future__ import annotations

from collections.abc import Iterable

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
