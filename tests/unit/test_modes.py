import os
import time
from pathlib import Path

import pytest

from helpers import modes

ROOT = Path(__file__).resolve().parents[2]


def test_cell_value_is_used_when_the_environment_says_nothing(monkeypatch):
    monkeypatch.delenv("COURSE_MODE", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    assert modes.resolve_mode("full") == "full"
    assert modes.resolve_mode(" Tiny ") == "tiny"


def test_environment_variable_wins_over_the_cell(monkeypatch):
    monkeypatch.setenv("COURSE_MODE", "tiny")
    assert modes.resolve_mode("full") == "tiny"


def test_tiny_mode_switches_the_hub_libraries_offline(monkeypatch):
    monkeypatch.delenv("COURSE_MODE", raising=False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    modes.resolve_mode("tiny")
    assert os.environ["HF_HUB_OFFLINE"] == "1"


def test_tiny_mode_hides_the_datasets_progress_bars_and_full_mode_leaves_them(monkeypatch):
    from datasets import enable_progress_bars, is_progress_bar_enabled

    monkeypatch.delenv("COURSE_MODE", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    enable_progress_bars()
    try:
        modes.resolve_mode("full")
        assert is_progress_bar_enabled()
        modes.resolve_mode("tiny")
        assert not is_progress_bar_enabled()
    finally:
        enable_progress_bars()


@pytest.mark.parametrize("mode", ["tiny", "full"])
def test_a_kernel_like_jupyterlabs_shows_map_bars_in_full_mode_only(mode, monkeypatch):
    # The kernel of a learner's JupyterLab: no quiet environment (helpers.runner's), ipywidgets installed.
    import nbformat
    from nbclient import NotebookClient

    for name in ("COURSE_MODE", "HF_DATASETS_DISABLE_PROGRESS_BARS"):
        monkeypatch.delenv(name, raising=False)
    code = (
        f"from helpers import modes\nmodes.resolve_mode({mode!r})\n"
        "from datasets import Dataset\nprint(len(Dataset.from_dict({'x': [1, 2]}).map(lambda row: row)))"
    )
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    NotebookClient(nb, timeout=120, resources={"metadata": {"path": str(ROOT)}}).execute()
    widgets = [output for output in nb.cells[0].outputs if "application/vnd.jupyter.widget-view+json" in output.get("data", {})]
    assert [output.get("text") for output in nb.cells[0].outputs if output.output_type == "stream"] == ["2\n"]
    assert len(widgets) == (1 if mode == "full" else 0)


def test_unknown_mode_from_the_environment_names_its_source(monkeypatch):
    monkeypatch.setenv("COURSE_MODE", "huge")
    with pytest.raises(ValueError, match=r"\$COURSE_MODE is 'huge'; it must be one of tiny, full"):
        modes.resolve_mode("tiny")


def test_unknown_mode_from_the_cell_names_its_source(monkeypatch):
    monkeypatch.delenv("COURSE_MODE", raising=False)
    with pytest.raises(ValueError, match="MODE in the parameters cell is 'gpu'"):
        modes.resolve_mode("gpu")


def test_require_hub_fails_at_once_when_offline_is_set(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(modes.HubUnavailableError, match="HF_HUB_OFFLINE is set.*restart the kernel") as error:
        modes.require_hub()
    assert 'MODE = "tiny"' in str(error.value) and "COURSE_MODE=tiny" in str(error.value)


def test_require_hub_fails_fast_with_a_switch_hint_when_the_hub_is_unreachable(monkeypatch, unreachable_url):
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setenv("HF_ENDPOINT", unreachable_url)
    start = time.perf_counter()
    with pytest.raises(modes.HubUnavailableError, match="could not be reached") as error:
        modes.require_hub(timeout=3)
    assert time.perf_counter() - start < 5
    assert "switch to tiny mode" in str(error.value)


def test_require_hub_accepts_any_http_answer(monkeypatch):
    import http.server
    import threading

    class NotFound(http.server.BaseHTTPRequestHandler):
        def do_HEAD(self):
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), NotFound)
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{server.server_port}")
    try:
        modes.require_hub(timeout=3)
    finally:
        thread.join(timeout=5)
        server.server_close()


def test_a_mode_that_is_not_text_is_named_in_the_first_cell(monkeypatch):
    monkeypatch.delenv("COURSE_MODE", raising=False)
    with pytest.raises(TypeError, match=r"MODE in the parameters cell is 3, of type int; it must be \"tiny\" or \"full\""):
        modes.resolve_mode(3)


GOOD = {"push_to_hub": False, "hub_model_id": "bert-finetuned-ner", "seed": 42, "max_samples": None}


@pytest.mark.parametrize(
    "name, value, error, message",
    [
        ("seed", "abc", TypeError, r"SEED in the parameters cell is 'abc', of type str; it must be a whole number"),
        ("seed", 4.2, TypeError, r"SEED in the parameters cell is 4\.2"),
        ("seed", True, TypeError, r"SEED in the parameters cell is True"),
        ("push_to_hub", "yes", TypeError, r"PUSH_TO_HUB in the parameters cell is 'yes', of type str; it must be True or False"),
        ("push_to_hub", 1, TypeError, r"PUSH_TO_HUB in the parameters cell is 1"),
        ("max_samples", 0, ValueError, r"MAX_SAMPLES in the parameters cell is 0, of type int; it must be None"),
        ("max_samples", "100", ValueError, r"MAX_SAMPLES in the parameters cell is '100'"),
        ("hub_model_id", None, TypeError, r"HUB_MODEL_ID in the parameters cell is None"),
        ("loop_processes", 0, ValueError, r"LOOP_PROCESSES in the parameters cell is 0, of type int"),
        ("loop_processes", "2", ValueError, r"LOOP_PROCESSES in the parameters cell is '2'"),
        ("hub_model_id", " ", TypeError, r"HUB_MODEL_ID in the parameters cell is ' '"),
        ("resume", "yes", TypeError, r"RESUME in the parameters cell is 'yes', of type str; it must be True or False"),
        ("resume", None, TypeError, r"RESUME in the parameters cell is None"),
        ("output_root", 3, TypeError, r"OUTPUT_ROOT in the parameters cell is 3, of type int; it must be None"),
        ("output_root", "", TypeError, r"OUTPUT_ROOT in the parameters cell is ''"),
    ],
)
def test_a_parameter_of_the_wrong_type_is_named_before_anything_runs(name, value, error, message):
    with pytest.raises(error, match=message):
        modes.check_parameters("full", **{**GOOD, name: value})


def test_good_parameters_pass_in_both_modes():
    modes.check_parameters("tiny", **GOOD)
    modes.check_parameters("full", **{**GOOD, "push_to_hub": True, "max_samples": 1_000, "seed": 0, "loop_processes": 4, "resume": True,
                                              "output_root": "/content/drive/MyDrive/nlp-course"})


def test_sharing_in_tiny_mode_is_refused_at_once_saying_what_to_change():
    with pytest.raises(ValueError, match="tiny mode, which works offline") as error:
        modes.check_parameters("tiny", **{**GOOD, "push_to_hub": True})
    assert 'MODE = "full"' in str(error.value) and "PUSH_TO_HUB = False" in str(error.value)


def test_load_reports_lose_their_colour_codes_and_local_paths(caplog):
    import logging

    modes.plain_load_reports()
    modes.plain_load_reports()  # once is enough: a second call adds no second filter
    logger = logging.getLogger("transformers.modeling_utils")
    assert sum(isinstance(f, modes.PlainLoadReport) for f in logger.filters) == 1
    with caplog.at_level(logging.WARNING, logger="transformers.modeling_utils"):
        logger.warning("\x1b[1mBertForTokenClassification LOAD REPORT\x1b[0m from: /root/.cache/tiny/bert-cased-1a2b\nKey")
        logger.warning("\x1b[1mBertForQuestionAnswering LOAD REPORT\x1b[0m from: google-bert/bert-base-cased\nKey")
    first, second = (record.getMessage() for record in caplog.records)
    assert first == "BertForTokenClassification LOAD REPORT from: bert-cased-1a2b\nKey"
    assert second == "BertForQuestionAnswering LOAD REPORT from: google-bert/bert-base-cased\nKey"
