import json
import time

import nbformat
import pytest

from helpers import runner


def test_task_of_drops_the_number_prefix(tmp_path):
    assert runner.task_of(tmp_path / "01_token_classification.ipynb") == "token_classification"


def test_summary_line_shows_fresh_metrics_and_time(tmp_outputs):
    started = time.time() - 1
    folder = tmp_outputs / "token_classification"
    folder.mkdir(parents=True)
    (folder / "results.json").write_text(json.dumps({"trainer": {"f1": 0.9123}, "accelerate": {"f1": 0.88}}))
    line = runner.summary_line("token_classification", 61.25, since=started)
    assert "trainer f1 0.912" in line and "accelerate f1 0.880" in line and "61.2 s" in line


def test_summary_lines_keep_the_wall_time_in_one_column_whatever_the_metric_names(tmp_outputs):
    started = time.time() - 1
    for task, results in (
        ("summarization", {"trainer": {"rouge1": 12.5}, "baseline": {"rouge1": 20.25}, "accelerate": {"rouge1": 9.0}}),
        ("question_answering", {"trainer": {"f1": 60.0}, "accelerate": {"f1": 55.0}}),
    ):
        folder = tmp_outputs / task
        folder.mkdir(parents=True)
        (folder / "results.json").write_text(json.dumps(results))
    long_row = runner.summary_line("summarization", 99.5, since=started)
    short_row = runner.summary_line("question_answering", 7.25, since=started)
    assert long_row.index("99.5 s") + len("99.5") == short_row.index("7.2 s") + len("7.2")


def test_summary_line_ignores_results_from_an_earlier_run(tmp_outputs):
    folder = tmp_outputs / "token_classification"
    folder.mkdir(parents=True)
    (folder / "results.json").write_text(json.dumps({"trainer": {"f1": 0.5}}))
    line = runner.summary_line("token_classification", 3.0, since=time.time() + 10)
    assert "0.500" not in line and "trainer f1 -" in line


def write_notebook(path, code):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


def test_main_executes_notebooks_into_the_build_folder(tmp_path, tmp_outputs, capsys):
    notebooks, build = tmp_path / "nbs", tmp_path / "build"
    notebooks.mkdir()
    write_notebook(notebooks / "01_demo_task.ipynb", "print(6 * 7)")
    assert runner.main([str(notebooks), str(build)]) == 0
    executed = nbformat.read(build / "01_demo_task.ipynb", as_version=4)
    assert executed.cells[0].outputs[0]["text"] == "42\n"
    assert "demo_task" in capsys.readouterr().out


def test_main_reports_a_failing_notebook_and_exits_non_zero(tmp_path, tmp_outputs, capsys):
    notebooks, build = tmp_path / "nbs", tmp_path / "build"
    notebooks.mkdir()
    write_notebook(notebooks / "01_broken_task.ipynb", "raise ValueError('bad cell')")
    assert runner.main([str(notebooks), str(build)]) == 1
    assert "FAILED 01_broken_task.ipynb" in capsys.readouterr().out
    assert (build / "01_broken_task.ipynb").exists()  # the executed copy shows the error


def test_main_needs_two_folders():
    with pytest.raises(SystemExit):
        runner.main(["only-one"])


def write_parameterised_notebook(path):
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("MODE = 'tiny'\nMAX_SAMPLES = None", metadata={"tags": ["parameters"]}),
            nbformat.v4.new_code_cell("print(MODE, MAX_SAMPLES)"),
        ]
    )
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


def test_parameters_override_the_parameters_cell_like_papermill(tmp_path):
    write_parameterised_notebook(tmp_path / "01_demo.ipynb")
    runner.execute(tmp_path / "01_demo.ipynb", tmp_path / "build", parameters={"MAX_SAMPLES": 64, "MODE": "full"})
    executed = nbformat.read(tmp_path / "build" / "01_demo.ipynb", as_version=4)
    assert executed.cells[1].metadata.tags == ["injected-parameters"]
    assert executed.cells[2].outputs[0]["text"] == "full 64\n"
    # The notebook on disk is left as it was.
    assert len(nbformat.read(tmp_path / "01_demo.ipynb", as_version=4).cells) == 2


def test_parameters_need_exactly_one_parameters_cell(tmp_path):
    write_notebook(tmp_path / "01_untagged.ipynb", "print(1)")
    with pytest.raises(ValueError, match="exactly one cell tagged 'parameters'.*found 0"):
        runner.execute(tmp_path / "01_untagged.ipynb", tmp_path / "build", parameters={"MAX_SAMPLES": 8})


def test_executed_copies_carry_no_progress_bar_stubs(tmp_path, tmp_outputs):
    notebooks, build = tmp_path / "nbs", tmp_path / "build"
    notebooks.mkdir()
    code = "from datasets import Dataset\nrows = Dataset.from_dict({'x': [1, 2]}).map(lambda row: row)\nprint(len(rows))"
    write_notebook(notebooks / "01_bars.ipynb", code)
    runner.execute(notebooks / "01_bars.ipynb", build)
    outputs = nbformat.read(build / "01_bars.ipynb", as_version=4).cells[0].outputs
    assert [output.get("text") for output in outputs] == ["2\n"]  # no "Map: 0%" widget, only the print


def test_executed_copies_keep_a_text_progress_bar_once_as_it_ended(tmp_path, tmp_outputs):
    notebooks, build = tmp_path / "nbs", tmp_path / "build"
    notebooks.mkdir()
    # Updates far enough apart that the kernel sends each as its own stream message, as tqdm's do.
    code = (
        "import sys, time\n"
        "for step in range(1, 4):\n"
        "    sys.stderr.write(f'\\r{step}/3'); sys.stderr.flush(); time.sleep(0.3)\n"
        "sys.stderr.write('\\n'); sys.stderr.flush()\n"
        "print('done')"
    )
    write_notebook(notebooks / "01_bar.ipynb", code)
    runner.execute(notebooks / "01_bar.ipynb", build)
    outputs = nbformat.read(build / "01_bar.ipynb", as_version=4).cells[0].outputs
    assert [(output.name, output.text) for output in outputs] == [("stderr", "3/3\n"), ("stdout", "done\n")]
