"""`make lab` starts JupyterLab where learners run it, root included, and serves the notebooks."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from helpers.launching import free_port

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "course-test-token"


def get(url: str) -> tuple[int, bytes]:
    """Return the status and body of a GET of ``url`` with the test token."""
    request = urllib.request.Request(url, headers={"Authorization": f"token {TOKEN}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status, response.read()


def test_make_lab_serves_the_jupyterlab_page_and_the_notebooks(tmp_path):
    port = free_port()
    arguments = f"--port {port} --no-browser --ServerApp.token={TOKEN} --ServerApp.root_dir={ROOT / 'notebooks'}"
    environment = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), "JUPYTER_CONFIG_DIR": str(tmp_path)}
    lab = subprocess.Popen(
        ["make", "--no-print-directory", "lab", f"LAB_ARGS={arguments}"], cwd=ROOT, env=environment,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert lab.poll() is None, lab.stdout.read().decode(errors="replace")[-3000:]
            try:
                status, page = get(f"{base}/lab")
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, "JupyterLab did not answer within 60 s"
                time.sleep(0.5)
        assert status == 200 and b"JupyterLab" in page
        status, body = get(f"{base}/api/contents/01_token_classification.ipynb")
        notebook = json.loads(body)
        assert status == 200 and notebook["type"] == "notebook"
        assert notebook["content"]["cells"][0]["source"].startswith("# Token classification")
    finally:
        os.killpg(lab.pid, signal.SIGTERM)
        try:
            lab.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(lab.pid, signal.SIGKILL)
            lab.wait()
