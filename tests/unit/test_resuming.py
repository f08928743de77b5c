"""The loops' checkpoints: where the newest complete one is, and what a save leaves behind."""

import pytest

from helpers.resuming import LoopProgress, latest_checkpoint, save_checkpoint


class FakeAccelerator:
    """What save_checkpoint uses of an Accelerator, on one process: save_state writes a file."""

    is_main_process = True

    def save_state(self, folder):
        from pathlib import Path

        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / "model.safetensors").write_text("weights")

    def wait_for_everyone(self):
        pass


def test_there_is_no_checkpoint_in_a_new_or_missing_folder(tmp_path):
    assert latest_checkpoint(tmp_path / "checkpoints") is None
    (tmp_path / "checkpoints").mkdir()
    assert latest_checkpoint(tmp_path / "checkpoints") is None


def test_a_save_becomes_the_latest_and_removes_the_one_before(tmp_path):
    folder = tmp_path / "checkpoints"
    save_checkpoint(FakeAccelerator(), folder, "epoch_0")
    assert latest_checkpoint(folder) == folder / "epoch_0"
    save_checkpoint(FakeAccelerator(), folder, "epoch_1")
    assert latest_checkpoint(folder) == folder / "epoch_1"
    assert sorted(path.name for path in folder.iterdir()) == ["epoch_1", "latest"]


def test_a_save_cut_short_leaves_the_previous_checkpoint_the_latest(tmp_path):
    folder = tmp_path / "checkpoints"
    save_checkpoint(FakeAccelerator(), folder, "step_100")
    (folder / "step_200").mkdir()  # a process killed while saving: the pointer was not moved
    assert latest_checkpoint(folder) == folder / "step_100"


def test_a_pointer_to_a_missing_checkpoint_says_how_to_start_afresh(tmp_path):
    folder = tmp_path / "checkpoints"
    save_checkpoint(FakeAccelerator(), folder, "step_100")
    (folder / "step_100" / "model.safetensors").unlink()
    (folder / "step_100").rmdir()
    with pytest.raises(FileNotFoundError, match="names step_100, which is not there. Delete .* to train from the start"):
        latest_checkpoint(folder)


def test_loop_progress_round_trips_through_its_state_dict_without_sharing_lists():
    progress = LoopProgress(losses=[1.0])
    progress.epoch, progress.batches, progress.steps = 1, 5, 12
    state = progress.state_dict()
    progress.losses.append(2.0)
    restored = LoopProgress(losses=[])
    restored.load_state_dict(state)
    assert (restored.epoch, restored.batches, restored.steps, restored.losses) == (1, 5, 12, [1.0])


def test_the_trainers_latest_checkpoint_is_the_highest_complete_step_and_none_before_the_first(tmp_path):
    from helpers.resuming import trainer_checkpoint

    assert trainer_checkpoint(tmp_path / "trainer") is None
    (tmp_path / "trainer").mkdir()
    assert trainer_checkpoint(tmp_path / "trainer") is None
    for step in (9, 100, 20):
        (tmp_path / "trainer" / f"checkpoint-{step}").mkdir()
        (tmp_path / "trainer" / f"checkpoint-{step}" / "trainer_state.json").write_text("{}")
    (tmp_path / "trainer" / "checkpoint-200").mkdir()  # a save cut short: the Trainer writes its state last
    (tmp_path / "trainer" / "checkpoint-x").mkdir()
    assert trainer_checkpoint(tmp_path / "trainer") == str(tmp_path / "trainer" / "checkpoint-100")


def test_a_fresh_run_removes_an_earlier_runs_checkpoints_and_nothing_else(tmp_path):
    from helpers.resuming import remove_checkpoints

    for name in ("checkpoint-10", "checkpoint-20", "checkpoints/epoch_0", "model"):
        (tmp_path / name).mkdir(parents=True)
    (tmp_path / "results.json").write_text("{}")
    assert remove_checkpoints(tmp_path) == 3
    assert sorted(path.name for path in tmp_path.iterdir()) == ["model", "results.json"]
    assert remove_checkpoints(tmp_path / "missing") == 0


def test_saving_a_model_with_tied_weights_warns_nothing_and_loads_back_equal(tmp_path, capfd, caplog):
    import torch
    from accelerate import Accelerator
    from transformers import GPT2Config, GPT2LMHeadModel

    config = GPT2Config(n_layer=1, n_embd=16, n_head=2, vocab_size=50, n_positions=16)
    accelerator = Accelerator(cpu=True)
    model = accelerator.prepare(GPT2LMHeadModel(config))
    assert model.lm_head.weight is model.transformer.wte.weight  # the tied weight accelerate stores once
    save_checkpoint(accelerator, tmp_path / "checkpoints", "epoch_0")
    captured = capfd.readouterr()
    assert "shared tensor" not in captured.out + captured.err + caplog.text
    loader = Accelerator(cpu=True)  # a resumed run: a new model, its own weights, then the saved state
    other = loader.prepare(GPT2LMHeadModel(config))
    loader.load_state(str(tmp_path / "checkpoints" / "epoch_0"))
    assert other.lm_head.weight is other.transformer.wte.weight
    loaded = other.state_dict()
    for name, tensor in model.state_dict().items():
        assert torch.equal(tensor, loaded[name]), name
