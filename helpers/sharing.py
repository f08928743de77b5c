"""Sharing a chapter's two models on the Hugging Face Hub: the log-in check, the repositories, the loop's card."""

from __future__ import annotations

from pathlib import Path

LOGIN_HELP = (
    "Log in with a token that can write (https://huggingface.co/settings/tokens): in Jupyter or Colab, run "
    "`from huggingface_hub import notebook_login; notebook_login()` in a cell; in a shell, run `hf auth login`. "
    "Then run this cell again. To train without sharing, set PUSH_TO_HUB = False in the parameters cell."
)


class HubLoginError(RuntimeError):
    """PUSH_TO_HUB is on, but no Hugging Face token was found, or the Hub refused it."""


def hub_repo_ids(hub_model_id: str, user: str) -> dict[str, str]:
    """Return the repositories of the ``trainer`` model (``user/name`` or ``org/name``) and of the ``loop`` (``...-accelerate``)."""
    name = hub_model_id.strip()
    if not name or name.count("/") > 1 or name.startswith("/") or name.endswith("/"):
        raise ValueError(f'HUB_MODEL_ID is {hub_model_id!r}; it must be "name" or "organisation/name".')
    repo_id = name if "/" in name else f"{user}/{name}"
    return {"trainer": repo_id, "loop": f"{repo_id}-accelerate"}


def prepare_hub_repos(hub_model_id: str) -> dict[str, str]:
    """Check the log-in, then create both repositories (or find them) and return their ids.

    Called before anything long runs: a missing token stops with how to log in, and a
    repository the token cannot write to stops with the Hub's own error.
    """
    from huggingface_hub import HfApi, get_token
    from huggingface_hub.errors import HfHubHTTPError

    from helpers.modes import require_hub

    require_hub()
    if get_token() is None:
        raise HubLoginError(f"PUSH_TO_HUB is on, but no Hugging Face token was found. {LOGIN_HELP}")
    api = HfApi()
    try:
        user = api.whoami()["name"]
    except HfHubHTTPError as error:
        if error.response is not None and error.response.status_code == 401:
            raise HubLoginError(f"PUSH_TO_HUB is on, but the Hub refused the token ({error}). {LOGIN_HELP}") from None
        raise
    repos = hub_repo_ids(hub_model_id, user)
    for repo_id in repos.values():
        api.create_repo(repo_id, exist_ok=True)
    return repos


def write_model_card(folder: str | Path, base_model: str | None, dataset: str, tags: list[str], summary: str) -> Path:
    """Write ``folder/README.md``: a model card whose metadata names the base model, the data set and ``tags``."""
    from huggingface_hub import ModelCardData

    data = ModelCardData(library_name="transformers", base_model=base_model, datasets=[dataset], tags=list(tags))
    path = Path(folder) / "README.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{data.to_yaml()}\n---\n\n# {Path(folder).name}\n\n{summary}\n", encoding="utf-8")
    return path
