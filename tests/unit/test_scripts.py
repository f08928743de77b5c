"""The scripts under scripts/ are their notebooks' cells, and their command line sets the parameters."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from helpers import scripts

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
WITH_SCRIPTS = NOTEBOOKS  # every notebook's loop is a script


def test_every_notebook_has_a_script():
    assert [scripts.script_name(path) for path in NOTEBOOKS] == sorted(p.name for p in (ROOT / "scripts").glob("*.py"))


@pytest.mark.parametrize("notebook", WITH_SCRIPTS, ids=lambda p: p.name)
def test_each_script_is_exactly_what_its_notebook_gives(notebook):
    path = ROOT / "scripts" / scripts.script_name(notebook)
    assert path.read_text() == scripts.script_source(notebook), "run `python -m helpers.scripts` after editing the notebook"


@pytest.mark.parametrize("notebook", WITH_SCRIPTS, ids=lambda p: p.name)
def test_the_script_holds_the_notebooks_training_function_and_calls_it(notebook):
    source = scripts.script_source(notebook)
    cells = json.loads(notebook.read_text())["cells"]
    (loop,) = ["".join(c["source"]) for c in cells if "def training_function(" in "".join(c["source"])]
    assert loop in source
    assert "    training_function(OUTPUT_DIR)\n" in source
    assert source.rstrip().endswith("PartialState().destroy_process_group()")


def test_the_check_finds_a_script_that_drifted(tmp_path, monkeypatch):
    monkeypatch.setattr(scripts, "SCRIPTS_DIR", tmp_path / "scripts")
    (tmp_path / "notebooks").mkdir()
    notebook = WITH_SCRIPTS[0]
    (tmp_path / "notebooks" / notebook.name).write_text(notebook.read_text())
    assert scripts.main([]) == 0  # writes it
    assert scripts.main(["--check"]) == 0
    path = tmp_path / "scripts" / scripts.script_name(notebook)
    path.write_text(path.read_text() + "# edited by hand\n")
    assert scripts.main(["--check"]) == 1


def test_writing_leaves_a_script_that_is_up_to_date_untouched(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(scripts, "SCRIPTS_DIR", tmp_path / "scripts")
    (tmp_path / "notebooks").mkdir()
    notebook = WITH_SCRIPTS[0]
    (tmp_path / "notebooks" / notebook.name).write_text(notebook.read_text())
    assert scripts.main([]) == 0
    path = tmp_path / "scripts" / scripts.script_name(notebook)
    assert "wrote" in capsys.readouterr().out
    os.utime(path, (1_000_000_000, 1_000_000_000))
    assert scripts.main([]) == 0
    assert path.stat().st_mtime == 1_000_000_000
    assert capsys.readouterr().out == "every script is up to date (1)\n"


def test_a_notebook_without_script_cells_is_refused(tmp_path):
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# A title"]},
        {"cell_type": "code", "metadata": {"tags": ["parameters"]}, "source": ["MODE = 'tiny'"]},
    ]
    notebook = tmp_path / "99_x.ipynb"
    notebook.write_text(json.dumps({"cells": cells}))
    with pytest.raises(ValueError, match="no cell tagged 'script'"):
        scripts.script_source(notebook)


def test_a_cell_that_is_not_python_is_refused_when_the_script_is_written(tmp_path):
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# A title"]},
        {"cell_type": "code", "metadata": {"tags": ["parameters"]}, "source": ["MODE = 'tiny'"]},
        {"cell_type": "code", "metadata": {"tags": ["script"]}, "source": ["%pip install x"]},
    ]
    notebook = tmp_path / "99_x.ipynb"
    notebook.write_text(json.dumps({"cells": cells}))
    with pytest.raises(SyntaxError):
        scripts.script_source(notebook)


DEFAULTS = {"MODE": "tiny", "SEED": 42, "MAX_SAMPLES": None, "PUSH_TO_HUB": False, "MODEL_SHAPE": None}


def test_the_command_line_sets_the_parameters_over_the_notebooks_defaults(tmp_path, monkeypatch):
    monkeypatch.delenv("RANK", raising=False)
    argv = ["--output-dir", str(tmp_path), "--mode", "full", "--max-samples", "64"]
    values, output_dir, hub_repos = scripts.command_line(DEFAULTS, argv)
    assert (values["MODE"], values["SEED"], values["MAX_SAMPLES"], values["PUSH_TO_HUB"]) == ("full", 42, 64, False)
    assert output_dir == tmp_path and hub_repos is None
    assert values["RESUME"] is False


def test_resume_on_the_command_line_sets_resume(tmp_path, monkeypatch):
    monkeypatch.delenv("RANK", raising=False)
    values, _, _ = scripts.command_line(DEFAULTS, ["--output-dir", str(tmp_path), "--resume"])
    assert values["RESUME"] is True


def test_the_command_line_takes_a_hub_repository_and_other_parameters(tmp_path, monkeypatch):
    monkeypatch.delenv("RANK", raising=False)
    argv = ["--output-dir", str(tmp_path), "--push-to-hub", "ada/x", "--set", 'MODEL_SHAPE={"n_layer": 2}']
    values, _, hub_repos = scripts.command_line(DEFAULTS, argv)
    assert values["PUSH_TO_HUB"] is True and hub_repos == {"loop": "ada/x"}
    assert values["MODEL_SHAPE"] == {"n_layer": 2}


@pytest.mark.parametrize("item", ["NOPE=1", "MODEL_SHAPE", "cfg=1"])
def test_the_command_line_refuses_a_name_the_parameters_cell_does_not_have(tmp_path, item):
    with pytest.raises(SystemExit, match="--set"):
        scripts.command_line(DEFAULTS, ["--output-dir", str(tmp_path), "--set", item])
