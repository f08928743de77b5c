"""Building the tiny cache ahead of the notebooks (helpers.tiny.prebuild)."""

import json
import subprocess
import sys

import pytest

from helpers import tiny
from helpers.tiny import prebuild


def test_every_tiny_builder_is_in_exactly_one_chain():
    builders = {name for name in tiny.__all__ if name not in ("cache_dir", "clear")}
    listed = [name for chain in prebuild.CHAINS for name in chain]
    assert sorted(listed) == sorted(builders)


def test_chains_build_what_a_builder_needs_before_it():
    position = {name: (number, index) for number, chain in enumerate(prebuild.CHAINS) for index, name in enumerate(chain)}
    for needed, builder in [
        ("reviews_dataset", "mt5_checkpoint"),
        ("kde4_dataset", "marian_checkpoint"),
        ("codeparrot_dataset", "code_tokenizer"),
        ("general_corpus", "distilbert_checkpoint"),
    ]:
        assert position[needed][0] == position[builder][0] and position[needed][1] < position[builder][1]


def test_one_job_builds_every_chain_in_order_in_this_process(monkeypatch):
    calls = []
    for name in ("first", "second", "third"):
        monkeypatch.setattr(tiny, name, lambda name=name: calls.append(name), raising=False)
    seconds = prebuild.prebuild(1, chains=(("first", "second"), ("third",)))
    assert calls == ["first", "second", "third"]
    assert list(seconds) == ["first -> second", "third"]
    (chain, entries), (_, single) = seconds.values()
    assert list(entries) == ["first", "second"] and list(single) == ["third"]
    assert chain >= sum(entries.values()) >= 0


def test_a_worker_prints_the_seconds_of_each_entry_as_its_last_line(monkeypatch, capsys):
    monkeypatch.setattr(prebuild, "CHAINS", (("first", "second"),))
    for name in ("first", "second"):
        monkeypatch.setattr(tiny, name, lambda: print("a builder's own output"), raising=False)
    assert prebuild.main(["--chain", "0"]) == 0
    last_line = capsys.readouterr().out.strip().splitlines()[-1]
    assert list(json.loads(last_line)) == ["first", "second"]


def test_another_python_process_builds_into_the_same_cache(tmp_cache):
    # What each worker is: a new interpreter that reads COURSE_CACHE_DIR from the environment.
    code = "from helpers.tiny import prebuild; prebuild.build_chain(['kde4_dataset'])"
    subprocess.run([sys.executable, "-c", code], check=True)
    assert any(path.name.startswith("kde4-data-") for path in tiny.cache_dir().iterdir())


def test_a_worker_is_refused_a_chain_that_does_not_exist(capsys):
    assert prebuild.main(["--chain", str(len(prebuild.CHAINS))]) == 2
    assert "Usage" in capsys.readouterr().err


def test_two_jobs_need_the_module_chains():
    with pytest.raises(ValueError, match="jobs=1"):
        prebuild.prebuild(2, chains=(("ner_dataset",),))


def test_bad_job_counts_are_refused(capsys):
    with pytest.raises(ValueError, match="at least 1"):
        prebuild.prebuild(0)
    assert prebuild.main(["two"]) == 2
    assert "Usage" in capsys.readouterr().err
