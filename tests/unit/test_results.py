import json

import pytest

from helpers import results


def test_output_dir_is_created_under_the_override(tmp_outputs):
    folder = results.output_dir("some_task")
    assert folder == tmp_outputs / "some_task" and folder.is_dir()


def test_a_root_given_in_the_notebook_wins_over_the_environment(tmp_outputs, tmp_path):
    folder = results.output_dir("some_task", root=tmp_path / "drive")
    assert folder == tmp_path / "drive" / "some_task" and folder.is_dir()
    path = results.save_results("some_task", {"f1": 0.5}, root=tmp_path / "drive")
    assert path == folder / "results.json" and not (tmp_outputs / "some_task").exists()


def test_project_root_finds_the_checkout_from_a_subfolder(tmp_path):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "helpers").mkdir()
    assert results.project_root(tmp_path / "notebooks") == tmp_path


def test_project_root_falls_back_to_the_start_folder(tmp_path):
    assert results.project_root(tmp_path) == tmp_path


def test_save_results_writes_json_and_overwrites(tmp_outputs):
    path = results.save_results("t", {"f1": 0.5})
    results.save_results("t", {"f1": 0.75})
    assert json.loads(path.read_text()) == {"f1": 0.75}
    assert [p.name for p in path.parent.iterdir()] == ["results.json"]


def test_loss_curves_split_training_and_evaluation_entries():
    history = [
        {"loss": 2.0, "step": 10, "epoch": 0.5},
        {"loss": 1.0, "step": 20, "epoch": 1.0},
        {"eval_loss": 1.5, "eval_f1": 0.3, "step": 20, "epoch": 1.0},
        {"train_runtime": 3.0, "step": 20},
    ]
    assert results.loss_curves(history) == {"train": ([10, 20], [2.0, 1.0]), "eval": ([20], [1.5])}


def test_loss_curves_leave_out_empty_curves():
    assert results.loss_curves([{"loss": 1.0, "step": 1}]) == {"train": ([1], [1.0])}


def test_plot_losses_saves_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    path = tmp_path / "loss.png"
    results.plot_losses({"train": ([1, 2], [2.0, 1.0])}, path, title="demo")
    assert path.read_bytes()[:4] == b"\x89PNG"
