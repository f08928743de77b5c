"""Building the tiny cache ahead of the notebooks (helpers.tiny.prebuild)."""

import pytest

from helpers import tiny
from helpers.tiny import prebuild


def test_every_tiny_builder_is_in_exactly_one_chain():
    builders = {name for name in tiny.__all__ if name not in ("cache_dir", "clear")}
    listed = [name for chain in prebuild.CHAINS for name in chain]
    assert sorted(listed) == sorted(builders)


def test_chains_build_what_a_builder_needs_before_it():
    position = {name: (number, index) for number, chain in enumerate(prebuild.CHAINS) for index, name in enumerate(chain)}
    for needed, builder in [("reviews_dataset", "mt5_checkpoint"), ("kde4_dataset", "marian_checkpoint"), ("codeparrot_dataset", "code_tokenizer")]:
        assert position[needed][0] == position[builder][0] and position[needed][1] < position[builder][1]


def test_one_job_builds_every_chain_in_order_in_this_process(monkeypatch):
    calls = []
    for name in ("first", "second", "third"):
        monkeypatch.setattr(tiny, name, lambda name=name: calls.append(name), raising=False)
    seconds = prebuild.prebuild(1, chains=(("first", "second"), ("third",)))
    assert calls == ["first", "second", "third"]
    assert list(seconds) == ["first -> second", "third"] and all(value >= 0 for value in seconds.values())


def test_two_jobs_run_chains_in_worker_processes(tmp_cache):
    # Entries that take a second: the chain runs in spawned workers, which see the same cache.
    seconds = prebuild.prebuild(2, chains=(("kde4_dataset",), ("ner_dataset",)))
    assert set(seconds) == {"kde4_dataset", "ner_dataset"}
    assert any(path.name.startswith("kde4-data-") for path in tiny.cache_dir().iterdir())
    assert any(path.name.startswith("ner-data-") for path in tiny.cache_dir().iterdir())


def test_bad_job_counts_are_refused(capsys):
    with pytest.raises(ValueError, match="at least 1"):
        prebuild.prebuild(0)
    assert prebuild.main(["two"]) == 2
    assert "Usage" in capsys.readouterr().err
