"""helpers.sharing: the log-in check, the two repositories and the loop's model card, against the Hub stand-in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import sharing
from hub_standin import HubStandIn

TOKEN = "hf_standin_learner"
USER = "course-learner"
# huggingface_hub reads HF_ENDPOINT and HF_HUB_OFFLINE when imported, and the suite runs offline:
# each call runs in a fresh interpreter with the stand-in as its Hub, and prints a JSON line.
CALL = """
import json, sys
from helpers import sharing
try:
    print(json.dumps({"repos": sharing.prepare_hub_repos(sys.argv[1])}))
except Exception as error:
    status = getattr(getattr(error, "response", None), "status_code", None)
    print(json.dumps({"error": type(error).__name__, "message": str(error), "status": status}))
"""


@pytest.fixture
def hub(tmp_path):
    """Return a stand-in with no fixture repositories, a writable folder and one learner's token."""
    (tmp_path / "fixtures").mkdir()
    with HubStandIn(tmp_path / "fixtures", upload_root=tmp_path / "uploads", tokens={TOKEN: USER}) as stand_in:
        yield stand_in


def prepare(hub: HubStandIn, hub_model_id: str, token: str | None, tmp_path: Path) -> dict:
    """Return what ``prepare_hub_repos(hub_model_id)`` gave in a fresh interpreter: its repos or its error."""
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "HF_TOKEN")}
    env.update({"HF_ENDPOINT": hub.endpoint, "HF_HOME": str(tmp_path / "hf-home")})
    if token is not None:
        env["HF_TOKEN"] = token
    done = subprocess.run([sys.executable, "-c", CALL, hub_model_id], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_repo_ids_put_a_bare_name_under_the_user_and_add_accelerate_for_the_loop():
    assert sharing.hub_repo_ids("bert-finetuned-ner", "ada") == {
        "trainer": "ada/bert-finetuned-ner",
        "loop": "ada/bert-finetuned-ner-accelerate",
    }
    assert sharing.hub_repo_ids("my-org/ner", "ada")["loop"] == "my-org/ner-accelerate"


@pytest.mark.parametrize("bad", ["", "a/b/c", "/name", "org/"])
def test_repo_ids_reject_a_name_that_is_no_repository(bad):
    with pytest.raises(ValueError, match="HUB_MODEL_ID"):
        sharing.hub_repo_ids(bad, "ada")


def test_without_a_token_sharing_stops_saying_how_to_log_in_and_writes_nothing(hub, tmp_path):
    outcome = prepare(hub, "bert-finetuned-ner", None, tmp_path)
    assert outcome["error"] == "HubLoginError"
    assert "notebook_login()" in outcome["message"] and "hf auth login" in outcome["message"]
    assert hub.write_requests() == []


def test_a_token_the_hub_refuses_stops_with_the_login_help(hub, tmp_path):
    outcome = prepare(hub, "bert-finetuned-ner", "hf_not_a_token", tmp_path)
    assert outcome["error"] == "HubLoginError" and "refused the token" in outcome["message"]
    assert "hf auth login" in outcome["message"]
    assert hub.write_requests() == []


def test_with_a_token_both_repositories_are_created_under_the_user(hub, tmp_path):
    outcome = prepare(hub, "bert-finetuned-ner", TOKEN, tmp_path)
    assert outcome["repos"] == {"trainer": f"{USER}/bert-finetuned-ner", "loop": f"{USER}/bert-finetuned-ner-accelerate"}
    for repo_id in outcome["repos"].values():
        assert hub.repo_folder("models", repo_id) is not None
    # Running the cell again finds them: exist_ok.
    assert prepare(hub, "bert-finetuned-ner", TOKEN, tmp_path) == outcome


def test_a_namespace_the_user_cannot_write_to_fails_with_the_hubs_403(hub, tmp_path):
    outcome = prepare(hub, "someone-else/bert-finetuned-ner", TOKEN, tmp_path)
    assert outcome["status"] == 403 and "someone-else" in outcome["message"]
    assert hub.repo_folder("models", "someone-else/bert-finetuned-ner") is None


def test_the_loop_card_carries_the_base_model_the_data_set_and_the_tags(tmp_path):
    from huggingface_hub import ModelCard

    path = sharing.write_model_card(tmp_path / "loop", "google-bert/bert-base-cased", "eriktks/conll2003", ["ner"], "Hi.")
    card = ModelCard.load(path)
    assert card.data.tags == ["ner"] and card.data.base_model == "google-bert/bert-base-cased"
    assert card.data.datasets == ["eriktks/conll2003"] and card.data.library_name == "transformers"
    assert card.text.strip().endswith("Hi.")


def test_a_model_trained_from_scratch_has_no_base_model_in_its_card(tmp_path):
    from huggingface_hub import ModelCard

    path = sharing.write_model_card(tmp_path, None, "huggingface-course/codeparrot-ds-train", ["text-generation"], "x")
    assert "base_model" not in ModelCard.load(path).data.to_dict()
