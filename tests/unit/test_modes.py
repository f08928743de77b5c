import os
import time

import pytest

from helpers import modes


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
