"""The Hub stand-in answers like the Hub: the libraries load from it and fail fast on wrong ids and revisions,
and huggingface_hub's HfApi can log in, create repos, push to them and read back what it pushed."""

from __future__ import annotations

import json
import os
import socket
import struct
import subprocess
import sys
import urllib.error
import urllib.request
from http.client import HTTPConnection, HTTPException
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from huggingface_hub import HfApi, ModelCard, constants, hf_hub_download
from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError

from helpers import modes
from hub_standin import HubStandIn, revision_folder

MODEL_ID = "tiny-org/tiny-bert"
CONVERTED_ID = "tiny-org/two-configs"
CARD_ID = "tiny-org/card-config"
JSONL_ID = "tiny-org/json-lines"
PARQUET_BRANCH = "refs/convert/parquet"
CARD = """---
configs:
- config_name: plain_text
  data_files:
  - split: train
    path: plain_text/train-*
---
# A data set whose card declares one config
"""
VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", "tiny", "##s"]
# Each library import costs seconds, so one subprocess runs every check of a library and prints a JSON line.
FAILURE_HELPER = """
import json, sys, time

def failure(call):
    start = time.perf_counter()
    try:
        call()
    except Exception as error:
        names = [cls.__name__ for cls in type(error).__mro__]
        return {"names": names, "message": str(error)[:300], "seconds": time.perf_counter() - start}
    return None
"""
TRANSFORMERS_SCRIPT = (
    FAILURE_HELPER
    + """
from transformers import AutoModel, AutoTokenizer

model_id = sys.argv[1]
tokenizer = AutoTokenizer.from_pretrained(model_id)
model = AutoModel.from_pretrained(model_id)
results = {
    "tokens": tokenizer.convert_ids_to_tokens(tokenizer("hello tiny world")["input_ids"]),
    "hidden_size": model.config.hidden_size,
    "wrong_repo": failure(lambda: AutoTokenizer.from_pretrained("tiny-org/no-such-model")),
    "wrong_revision": failure(lambda: AutoModel.from_pretrained(model_id, revision="no-such-branch")),
}
print(json.dumps(results))
"""
)
DATASETS_SCRIPT = (
    FAILURE_HELPER
    + """
from datasets import load_dataset
from huggingface_hub import HfApi

converted_id, card_id, jsonl_id, card_sha = sys.argv[1:5]

def rows(dataset_dict):
    return {split: list(dataset["text"]) for split, dataset in dataset_dict.items()}

api = HfApi()
results = {
    "converted_a": rows(load_dataset(converted_id, data_dir="a", revision="refs/convert/parquet")),
    "card": rows(load_dataset(card_id)),
    "card_by_sha": rows(load_dataset(card_id, revision=card_sha)),
    "jsonl": rows(load_dataset(jsonl_id)),
    "wrong_repo": failure(lambda: load_dataset("tiny-org/no-such-data")),
    "wrong_revision": failure(lambda: load_dataset(card_id, revision="no-such-branch")),
    "card_data": api.dataset_info(card_id).card_data.to_dict(),
    "tree": sorted(item.path for item in api.list_repo_tree(
        converted_id, repo_type="dataset", revision="refs/convert/parquet", recursive=True)),
    "paths_info": [item.path for item in api.get_paths_info(
        converted_id, ["a", "a/train/0000.parquet", "missing.txt"], repo_type="dataset",
        revision="refs/convert/parquet")],
    "wrong_repo_api": failure(lambda: api.model_info("tiny-org/no-such-model")),
}
print(json.dumps(results))
"""
)


def write_parquet(path: Path, texts: list[str]) -> None:
    """Return after writing a one-column parquet file of ``texts``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({"text": texts}), path)


def build_model_repo(folder: Path) -> None:
    """Return after saving a tiny BERT and its WordPiece tokenizer into ``folder``."""
    from transformers import BertConfig, BertModel, BertTokenizerFast

    tokenizer = BertTokenizerFast(vocab={token: index for index, token in enumerate(VOCAB)})
    tokenizer.save_pretrained(folder)
    config = BertConfig(
        vocab_size=len(VOCAB),
        hidden_size=8,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=16,
        max_position_embeddings=16,
    )
    BertModel(config).save_pretrained(folder)


@pytest.fixture(scope="module")
def hub_root(tmp_path_factory) -> Path:
    """Return a folder of small repos in the stand-in's layout: a model and three data sets."""
    root = tmp_path_factory.mktemp("hub")
    build_model_repo(revision_folder(root / "models" / MODEL_ID, "main"))
    converted = revision_folder(root / "datasets" / CONVERTED_ID, PARQUET_BRANCH)
    write_parquet(converted / "a" / "train" / "0000.parquet", ["a1", "a2"])
    write_parquet(converted / "b" / "train" / "0000.parquet", ["b1", "b2", "b3"])
    (revision_folder(root / "datasets" / CONVERTED_ID, "main")).mkdir(parents=True)
    card = revision_folder(root / "datasets" / CARD_ID, "main")
    write_parquet(card / "plain_text" / "train-00000-of-00001.parquet", ["p1", "p2", "p3"])
    (card / "README.md").write_text(CARD)
    jsonl = revision_folder(root / "datasets" / JSONL_ID, "main")
    jsonl.mkdir(parents=True)
    (jsonl / "x-valid.jsonl").write_text('{"text": "j1"}\n{"text": "j2"}\n')
    return root


@pytest.fixture
def hub(hub_root):
    """Return a started stand-in over ``hub_root``; it stops when the test ends."""
    with HubStandIn(hub_root) as standin:
        yield standin


def library_env(endpoint: str, home: Path) -> dict[str, str]:
    """Return an environment in which huggingface_hub, datasets and transformers use ``endpoint`` online."""
    env = {key: value for key, value in os.environ.items() if not key.endswith("_OFFLINE")}
    env.update(
        HF_ENDPOINT=endpoint,
        HF_HUB_OFFLINE="0",
        HF_HOME=str(home / "hf"),
        HF_DATASETS_CACHE=str(home / "datasets"),
        HF_HUB_DISABLE_TELEMETRY="1",
        HF_HUB_DISABLE_PROGRESS_BARS="1",
        NO_PROXY="127.0.0.1,localhost",
    )
    return env


def run_library_script(hub_root: Path, home: Path, script: str, *args: str) -> dict:
    """Return the script's JSON results, its request log and the repos served, running it against a stand-in."""
    with HubStandIn(hub_root) as hub:
        completed = subprocess.run(
            [sys.executable, "-c", script, *args],
            env=library_env(hub.endpoint, home),
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert completed.returncode == 0, completed.stderr[-3000:]
        results = json.loads(completed.stdout.strip().splitlines()[-1])
        return {"results": results, "requests": list(hub.requests), "served": hub.repos_requested()}


def http(url: str, method: str = "GET", headers: dict | None = None, data: bytes | None = None) -> tuple:
    """Return (status, headers, body) of one request, error statuses included."""
    request = urllib.request.Request(url, method=method, headers=headers or {}, data=data)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def commit_sha(hub: HubStandIn, kind: str, repo_id: str, branch: str = "main") -> str:
    """Return the commit sha the stand-in reports for a branch."""
    status, _, body = http(f"{hub.endpoint}/api/{kind}/{repo_id}/revision/{branch.replace('/', '%2F')}")
    assert status == 200
    return json.loads(body)["sha"]


@pytest.fixture(scope="module")
def transformers_run(hub_root, tmp_path_factory) -> dict:
    """Return what the transformers script saw and asked for."""
    return run_library_script(hub_root, tmp_path_factory.mktemp("home"), TRANSFORMERS_SCRIPT, MODEL_ID)


@pytest.fixture(scope="module")
def datasets_run(hub_root, tmp_path_factory) -> dict:
    """Return what the datasets script saw and asked for."""
    with HubStandIn(hub_root) as hub:
        card_sha = commit_sha(hub, "datasets", CARD_ID)
    home = tmp_path_factory.mktemp("home")
    return run_library_script(hub_root, home, DATASETS_SCRIPT, CONVERTED_ID, CARD_ID, JSONL_ID, card_sha)


def test_revision_folder_quotes_the_branch_name(tmp_path):
    assert revision_folder(tmp_path, "main") == tmp_path / "main"
    assert revision_folder(tmp_path, PARQUET_BRANCH) == tmp_path / "refs%2Fconvert%2Fparquet"


def test_tiny_bert_tokenizer_and_model_load_through_hf_endpoint(transformers_run):
    results = transformers_run["results"]
    assert results["tokens"] == ["[CLS]", "hello", "tiny", "world", "[SEP]"]
    assert results["hidden_size"] == 8


def test_wrong_model_id_makes_transformers_raise_oserror_quickly(transformers_run):
    failure = transformers_run["results"]["wrong_repo"]
    assert failure is not None and "OSError" in failure["names"]
    assert "tiny-org/no-such-model" in failure["message"]
    assert failure["seconds"] < 10


def test_wrong_model_revision_makes_transformers_raise_its_revision_error(transformers_run):
    failure = transformers_run["results"]["wrong_revision"]
    assert failure is not None and "OSError" in failure["names"]
    assert "no-such-branch" in failure["message"]
    assert failure["seconds"] < 10


def test_transformers_requests_are_logged_and_only_the_model_counts_as_served(transformers_run):
    requests = transformers_run["requests"]
    # transformers turns `main` into the commit sha from the model info, then asks for files at that sha.
    sha = next(path.split("/")[4] for _, path, _ in requests if path.endswith("/config.json"))
    assert ("GET", f"/api/models/{MODEL_ID}", 200) in requests
    assert ("GET", f"/{MODEL_ID}/resolve/{sha}/model.safetensors", 200) in requests
    assert any(path.startswith("/tiny-org/no-such-model/") and status == 404 for _, path, status in requests)
    assert transformers_run["served"] == {("models", MODEL_ID)}


def test_data_dir_on_the_parquet_branch_loads_only_that_folder(datasets_run):
    assert datasets_run["results"]["converted_a"] == {"train": ["a1", "a2"]}


def test_readme_yaml_config_gives_its_split_and_files(datasets_run):
    assert datasets_run["results"]["card"] == {"train": ["p1", "p2", "p3"]}


def test_dataset_loads_by_forty_hex_commit_sha(datasets_run):
    assert datasets_run["results"]["card_by_sha"] == {"train": ["p1", "p2", "p3"]}


def test_jsonl_file_named_valid_becomes_the_validation_split(datasets_run):
    assert datasets_run["results"]["jsonl"] == {"validation": ["j1", "j2"]}


def test_wrong_dataset_id_makes_datasets_raise_dataset_not_found_quickly(datasets_run):
    failure = datasets_run["results"]["wrong_repo"]
    assert failure is not None and "DatasetNotFoundError" in failure["names"]
    assert failure["seconds"] < 10


def test_wrong_dataset_revision_makes_datasets_raise_a_revision_error(datasets_run):
    failure = datasets_run["results"]["wrong_revision"]
    assert failure is not None and "no-such-branch" in failure["message"]
    assert failure["seconds"] < 10


def test_hf_api_reads_card_data_tree_and_paths_info(datasets_run):
    results = datasets_run["results"]
    assert results["card_data"]["configs"][0]["config_name"] == "plain_text"
    assert results["tree"] == ["a", "a/train", "a/train/0000.parquet", "b", "b/train", "b/train/0000.parquet"]
    assert sorted(results["paths_info"]) == ["a", "a/train/0000.parquet"]
    assert "RepositoryNotFoundError" in results["wrong_repo_api"]["names"]


def test_datasets_requests_are_logged_and_served_repos_reported(datasets_run):
    assert datasets_run["served"] == {("datasets", CONVERTED_ID), ("datasets", CARD_ID), ("datasets", JSONL_ID)}
    statuses = {path: status for _, path, status in datasets_run["requests"]}
    assert statuses[f"/datasets/{CARD_ID}/resolve/main/README.md"] == 200
    assert statuses[f"/api/datasets/{CONVERTED_ID}/revision/refs%2Fconvert%2Fparquet"] == 200
    # datasets gives up on a wrong id after the 404 of its first probe, the README.
    assert statuses["/datasets/tiny-org/no-such-data/resolve/main/README.md"] == 404


def test_require_hub_returns_quietly_against_the_stand_in(hub, monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", hub.endpoint)
    modes.require_hub(timeout=3)
    assert hub.requests == [("HEAD", "/api/models/google-bert/bert-base-cased", 404)]


def test_head_on_resolve_gives_commit_etag_and_length(hub, hub_root):
    status, headers, body = http(f"{hub.endpoint}/{MODEL_ID}/resolve/main/config.json", method="HEAD")
    size = (revision_folder(hub_root / "models" / MODEL_ID, "main") / "config.json").stat().st_size
    assert status == 200 and body == b""
    assert headers["X-Repo-Commit"] == commit_sha(hub, "models", MODEL_ID)
    assert headers["ETag"].startswith('"') and headers["ETag"].endswith('"')
    assert int(headers["Content-Length"]) == size


def test_get_on_resolve_sends_the_bytes_and_honours_a_range(hub, hub_root):
    url = f"{hub.endpoint}/datasets/{JSONL_ID}/resolve/main/x-valid.jsonl"
    content = (revision_folder(hub_root / "datasets" / JSONL_ID, "main") / "x-valid.jsonl").read_bytes()
    assert http(url)[2] == content
    status, headers, body = http(url, headers={"Range": "bytes=2-7"})
    assert (status, body, headers["Content-Range"]) == (206, content[2:8], f"bytes 2-7/{len(content)}")


def test_branch_with_slashes_resolves_when_url_encoded(hub):
    url = f"{hub.endpoint}/datasets/{CONVERTED_ID}/resolve/refs%2Fconvert%2Fparquet/a/train/0000.parquet"
    status, headers, body = http(url)
    assert status == 200 and body.startswith(b"PAR1")
    assert headers["X-Repo-Commit"] == commit_sha(hub, "datasets", CONVERTED_ID, PARQUET_BRANCH)


def test_missing_file_is_entry_not_found_with_the_commit(hub):
    status, headers, _ = http(f"{hub.endpoint}/{MODEL_ID}/resolve/main/added_tokens.json", method="HEAD")
    assert (status, headers["X-Error-Code"]) == (404, "EntryNotFound")
    assert headers["X-Repo-Commit"] == commit_sha(hub, "models", MODEL_ID)


def test_unknown_repo_is_repo_not_found(hub):
    for path in ("/api/models/tiny-org/nothing", "/tiny-org/nothing/resolve/main/config.json"):
        status, headers, body = http(f"{hub.endpoint}{path}")
        assert (status, headers["X-Error-Code"]) == (404, "RepoNotFound")
        assert json.loads(body) == {"error": "Repository not found"}


def test_unknown_revision_is_revision_not_found(hub):
    for revision in ("no-such-branch", "0" * 40):
        status, headers, _ = http(f"{hub.endpoint}/api/datasets/{CARD_ID}/revision/{revision}")
        assert (status, headers["X-Error-Code"]) == (404, "RevisionNotFound")


def test_commit_sha_names_the_same_revision_as_its_branch(hub):
    sha = commit_sha(hub, "datasets", CARD_ID)
    assert len(sha) == 40 and int(sha, 16) >= 0
    by_sha = json.loads(http(f"{hub.endpoint}/api/datasets/{CARD_ID}/revision/{sha}")[2])
    assert by_sha["sha"] == sha and by_sha["siblings"] == [
        {"rfilename": "README.md"},
        {"rfilename": "plain_text/train-00000-of-00001.parquet"},
    ]


def test_commit_sha_is_stable_across_servers_and_follows_content(tmp_path):
    folder = revision_folder(tmp_path / "models" / "o" / "m", "main")
    folder.mkdir(parents=True)
    (folder / "a.txt").write_text("one")
    with HubStandIn(tmp_path) as first:
        before = commit_sha(first, "models", "o/m")
    with HubStandIn(tmp_path) as second:
        assert commit_sha(second, "models", "o/m") == before
        (folder / "a.txt").write_text("two")
        assert commit_sha(second, "models", "o/m") != before


def test_model_info_has_the_fields_the_clients_read(hub):
    info = json.loads(http(f"{hub.endpoint}/api/models/{MODEL_ID}")[2])
    assert info["id"] == info["modelId"] == MODEL_ID
    assert (info["private"], info["disabled"], info["gated"], info["tags"]) == (False, False, False, [])
    assert {"rfilename": "config.json"} in info["siblings"]


def test_dataset_info_carries_the_readme_yaml_as_card_data(hub):
    info = json.loads(http(f"{hub.endpoint}/api/datasets/{CARD_ID}")[2])
    assert info["cardData"]["configs"][0]["data_files"] == [{"split": "train", "path": "plain_text/train-*"}]


def test_tree_lists_one_level_or_recursively(hub):
    base = f"{hub.endpoint}/api/datasets/{CONVERTED_ID}/tree/refs%2Fconvert%2Fparquet"
    top = json.loads(http(f"{base}?recursive=false")[2])
    assert [(item["type"], item["path"]) for item in top] == [("directory", "a"), ("directory", "b")]
    below_a = json.loads(http(f"{base}/a?recursive=true&expand=false")[2])
    assert [item["path"] for item in below_a] == ["a/train", "a/train/0000.parquet"]
    parquet = below_a[1]
    assert parquet["type"] == "file" and parquet["lfs"]["size"] == parquet["size"] > 0
    assert [item["path"] for item in json.loads(http(f"{base}/a%2Ftrain")[2])] == ["a/train/0000.parquet"]


def test_tree_of_a_missing_folder_is_entry_not_found(hub):
    status, headers, _ = http(f"{hub.endpoint}/api/datasets/{CONVERTED_ID}/tree/refs%2Fconvert%2Fparquet/c")
    assert (status, headers["X-Error-Code"]) == (404, "EntryNotFound")


def test_paths_info_lists_only_existing_paths_from_form_or_json(hub):
    url = f"{hub.endpoint}/api/models/{MODEL_ID}/paths-info/main"
    form = http(url, method="POST", data=b"paths=config.json&paths=nope.txt&expand=False")
    as_json = http(url, method="POST", data=json.dumps({"paths": ["config.json", "nope.txt"]}).encode())
    for status, _, body in (form, as_json):
        assert status == 200 and [item["path"] for item in json.loads(body)] == ["config.json"]


def test_unknown_api_route_is_a_plain_404(hub):
    status, headers, body = http(f"{hub.endpoint}/api/agent-harnesses")
    assert status == 404 and "X-Error-Code" not in headers
    assert "error" in json.loads(body)


def test_request_log_records_every_request_and_only_served_repos(hub):
    http(f"{hub.endpoint}/api/models/{MODEL_ID}")
    http(f"{hub.endpoint}/api/datasets/tiny-org/nothing")
    http(f"{hub.endpoint}/datasets/{JSONL_ID}/resolve/main/missing.txt", method="HEAD")
    assert hub.requests == [
        ("GET", f"/api/models/{MODEL_ID}", 200),
        ("GET", "/api/datasets/tiny-org/nothing", 404),
        ("HEAD", f"/datasets/{JSONL_ID}/resolve/main/missing.txt", 404),
    ]
    assert hub.repos_requested() == {("models", MODEL_ID)}


def test_stop_cuts_kept_alive_connections_and_a_second_start_is_refused(hub_root):
    standin = HubStandIn(hub_root)
    endpoint = standin.start()
    with pytest.raises(RuntimeError, match="already serves"):
        standin.start()
    connection = HTTPConnection(endpoint.removeprefix("http://"), timeout=5)
    connection.request("GET", f"/api/models/{MODEL_ID}")
    assert connection.getresponse().read() and connection.sock is not None
    standin.stop()
    with pytest.raises((HTTPException, OSError)):
        connection.request("GET", f"/api/models/{MODEL_ID}")
        connection.getresponse()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{endpoint}/api/models/{MODEL_ID}", timeout=2)
    assert len(standin.requests) == 1


def test_a_client_that_resets_its_connection_leaves_no_traceback(hub, capfd):
    host, port = urlsplit(hub.endpoint).hostname, urlsplit(hub.endpoint).port
    for _ in range(5):
        client = socket.create_connection((host, port))
        client.sendall(b"GET /api/models/")  # half a request line: the server waits for the rest
        # Linger 0: closing sends a reset instead of a clean end, as a killed client does.
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client.close()
    status, _, _ = http(f"{hub.endpoint}/api/models/tiny-org/nothing")  # the server still answers
    assert status == 404
    assert "Traceback" not in capfd.readouterr().err


# --- Writes, through huggingface_hub's HfApi in this process (it imports in a fraction of a second).

USER, TOKEN = "ada", "hf_standin_ada"
OTHER_USER, OTHER_TOKEN = "bob", "hf_standin_bob"
# A token whose user has the fixtures' namespace: root stays read-only all the same.
FIXTURE_OWNER_TOKEN = "hf_standin_tiny_org"
TOKENS = {TOKEN: USER, OTHER_TOKEN: OTHER_USER, FIXTURE_OWNER_TOKEN: MODEL_ID.split("/")[0]}
INVALID_CREDENTIALS = {"error": "Invalid credentials in Authorization header"}


@pytest.fixture
def hf_online(tmp_path, monkeypatch):
    """Return after letting huggingface_hub reach 127.0.0.1, with no token file, cache or HF_TOKEN of the machine."""
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    # conftest sets HF_HUB_OFFLINE=1 before huggingface_hub is imported; its constants are read at call time.
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(tmp_path / "hf" / "token"))
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hf" / "hub"))


@pytest.fixture
def writable_hub(hub_root, tmp_path, hf_online):
    """Return a started stand-in over ``hub_root`` that keeps pushed repos in ``tmp_path/uploads``."""
    with HubStandIn(hub_root, upload_root=tmp_path / "uploads", tokens=TOKENS) as standin:
        yield standin


@pytest.fixture
def api(writable_hub) -> HfApi:
    """Return a client of the writable stand-in that sends USER's token."""
    return HfApi(endpoint=writable_hub.endpoint, token=TOKEN)


def folder_contents(folder: Path) -> dict[str, bytes]:
    """Return every file below ``folder`` by its relative path, with its bytes."""
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def status_of(call) -> int:
    """Return the HTTP status of the HfHubHTTPError that ``call()`` raises."""
    with pytest.raises(HfHubHTTPError) as caught:
        call()
    return caught.value.response.status_code


def upload(api: HfApi, repo_id: str, path: str, content: bytes, **options):
    """Return what ``api.upload_file`` returns after pushing ``content`` to ``path`` in a model repo."""
    return api.upload_file(path_or_fileobj=content, path_in_repo=path, repo_id=repo_id, **options)


def post_json(url: str, value: object, token: str | None = None, method: str = "POST") -> tuple:
    """Return (status, headers, body) of a JSON request, with a bearer token when given."""
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {token}"} if token else {})
    return http(url, method=method, headers=headers, data=json.dumps(value).encode())


def post_commit(hub: HubStandIn, repo_id: str, lines: list[dict], token: str = TOKEN) -> tuple:
    """Return (status, headers, body) of a raw NDJSON commit to a model repo's main branch."""
    data = b"".join(json.dumps(line).encode() + b"\n" for line in lines)
    headers = {"Content-Type": "application/x-ndjson", "Authorization": f"Bearer {token}"}
    return http(f"{hub.endpoint}/api/models/{repo_id}/commit/main", method="POST", headers=headers, data=data)


def commit_header(summary: str = "raw commit") -> dict:
    """Return the header line of a raw commit."""
    return {"key": "header", "value": {"summary": summary, "description": ""}}


def test_whoami_names_the_user_of_the_token(api):
    who = api.whoami()
    assert (who["type"], who["name"], who["orgs"]) == ("user", USER, [])
    assert who["auth"]["accessToken"]["role"] == "write"


def test_whoami_with_an_unknown_token_is_a_401(writable_hub):
    assert status_of(HfApi(endpoint=writable_hub.endpoint, token="hf_wrong").whoami) == 401
    status, _, body = http(f"{writable_hub.endpoint}/api/whoami-v2")
    assert (status, json.loads(body)) == (401, INVALID_CREDENTIALS)


def test_writes_without_a_token_are_401_with_the_hubs_body(writable_hub):
    anonymous = HfApi(endpoint=writable_hub.endpoint, token=False)
    assert status_of(lambda: anonymous.create_repo(f"{USER}/anonymous")) == 401
    base = writable_hub.endpoint
    for url, value in (
        (f"{base}/api/repos/create", {"name": "anonymous", "organization": USER}),
        (f"{base}/api/models/{USER}/anonymous/preupload/main", {"files": []}),
        (f"{base}/api/models/{USER}/anonymous/commit/main", commit_header()),
    ):
        status, headers, body = post_json(url, value)
        assert (status, json.loads(body)) == (401, INVALID_CREDENTIALS)
        # huggingface_hub reads this header to tell a bad token from a missing repo.
        assert headers["X-Error-Message"] == INVALID_CREDENTIALS["error"]
    assert writable_hub.repo_folder("models", f"{USER}/anonymous") is None


def test_create_repo_makes_a_repo_in_upload_root_holding_only_gitattributes(api, writable_hub, tmp_path):
    url = api.create_repo(f"{USER}/fresh")
    assert (url, url.repo_id) == (f"{writable_hub.endpoint}/{USER}/fresh", f"{USER}/fresh")
    assert [item.path for item in api.list_repo_tree(f"{USER}/fresh")] == [".gitattributes"]
    folder = writable_hub.repo_folder("models", f"{USER}/fresh")
    assert folder == revision_folder(tmp_path / "uploads" / "models" / USER / "fresh", "main")
    assert "*.safetensors filter=lfs diff=lfs merge=lfs -text" in (folder / ".gitattributes").read_text()
    data = api.create_repo(f"{USER}/rows", repo_type="dataset")
    assert data == f"{writable_hub.endpoint}/datasets/{USER}/rows"
    assert api.repo_info(f"{USER}/rows", repo_type="dataset").sha == commit_sha(writable_hub, "datasets", data.repo_id)


def test_create_repo_twice_is_409_unless_exist_ok(api, writable_hub):
    api.create_repo(f"{USER}/twice")
    assert status_of(lambda: api.create_repo(f"{USER}/twice")) == 409
    assert api.create_repo(f"{USER}/twice", exist_ok=True).repo_id == f"{USER}/twice"
    status, _, body = post_json(f"{writable_hub.endpoint}/api/repos/create", {"name": "twice"}, TOKEN)
    assert (status, json.loads(body)["url"]) == (409, f"{writable_hub.endpoint}/{USER}/twice")


def test_create_repo_in_another_namespace_is_403_naming_it_and_creates_nothing(api, writable_hub, tmp_path):
    with pytest.raises(HfHubHTTPError) as caught:
        api.create_repo(f"{OTHER_USER}/theirs")
    assert caught.value.response.status_code == 403
    assert f'under the namespace "{OTHER_USER}"' in str(caught.value)
    assert writable_hub.repo_folder("models", f"{OTHER_USER}/theirs") is None
    assert not (tmp_path / "uploads" / "models" / OTHER_USER).exists()


def test_upload_folder_then_download_gives_text_and_binary_bytes_back(api, writable_hub, tmp_path):
    source = tmp_path / "source"
    (source / "nested").mkdir(parents=True)
    (source / "notes.txt").write_text("hello from the stand-in\n")
    (source / "nested" / "weights.bin").write_bytes(b"\x00\x01binary\x00\xff" * 64)
    api.create_repo(f"{USER}/pushed")
    info = api.upload_folder(repo_id=f"{USER}/pushed", folder_path=source, commit_message="first push")
    assert info.oid == api.repo_info(f"{USER}/pushed").sha
    assert info.commit_url == f"{writable_hub.endpoint}/{USER}/pushed/commit/{info.oid}"
    assert sorted(api.list_repo_files(f"{USER}/pushed")) == [".gitattributes", "nested/weights.bin", "notes.txt"]
    for path in ("notes.txt", "nested/weights.bin"):
        local = hf_hub_download(
            f"{USER}/pushed", path, endpoint=writable_hub.endpoint, token=TOKEN, cache_dir=tmp_path / "cache"
        )
        assert Path(local).read_bytes() == (source / path).read_bytes()
    assert writable_hub.commits == [
        {
            "repo_id": f"{USER}/pushed",
            "kind": "models",
            "summary": "first push",
            "paths": ["nested/weights.bin", "notes.txt"],
            "deleted": [],
            "sha": info.oid,
        }
    ]


def test_second_upload_that_changes_one_file_makes_a_new_commit_sha(api, writable_hub, tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    (source / "a.txt").write_text("one")
    (source / "b.txt").write_text("same")
    api.create_repo(f"{USER}/evolving")
    first = api.upload_folder(repo_id=f"{USER}/evolving", folder_path=source).oid
    (source / "a.txt").write_text("two")
    second = api.upload_folder(repo_id=f"{USER}/evolving", folder_path=source).oid
    assert first != second == api.repo_info(f"{USER}/evolving").sha
    # The client skips the unchanged file: the preupload told it the blob id already on the branch.
    assert writable_hub.commits[-1]["paths"] == ["a.txt"]


def test_upload_to_a_missing_repo_is_repository_not_found(api):
    with pytest.raises(RepositoryNotFoundError):
        upload(api, f"{USER}/never-created", "x.txt", b"x")


def test_upload_to_another_users_repo_is_403(api, writable_hub):
    HfApi(endpoint=writable_hub.endpoint, token=OTHER_TOKEN).create_repo(f"{OTHER_USER}/theirs")
    assert status_of(lambda: upload(api, f"{OTHER_USER}/theirs", "x.txt", b"x")) == 403
    assert writable_hub.commits == []


def test_delete_file_removes_it_and_changes_the_sha(api, writable_hub):
    api.create_repo(f"{USER}/pruned")
    upload(api, f"{USER}/pruned", "keep.txt", b"keep")
    before = upload(api, f"{USER}/pruned", "dir/drop.txt", b"drop").oid
    after = api.delete_file("dir/drop.txt", repo_id=f"{USER}/pruned").oid
    assert after != before
    assert sorted(api.list_repo_files(f"{USER}/pruned")) == [".gitattributes", "keep.txt"]
    assert writable_hub.commits[-1]["deleted"] == ["dir/drop.txt"]
    assert not (writable_hub.repo_folder("models", f"{USER}/pruned") / "dir").exists()


def test_upload_with_run_as_future_completes_in_the_background(api):
    api.create_repo(f"{USER}/later")
    future = upload(api, f"{USER}/later", "later.txt", b"later", run_as_future=True)
    assert future.result(timeout=10).oid == api.repo_info(f"{USER}/later").sha
    assert "later.txt" in api.list_repo_files(f"{USER}/later")


def test_model_card_validate_passes_a_good_card_and_rejects_tags_that_are_not_strings(writable_hub, monkeypatch):
    # RepoCard.validate posts to constants.ENDPOINT, with no token.
    monkeypatch.setattr(constants, "ENDPOINT", writable_hub.endpoint)
    ModelCard("---\nlicense: mit\ntags:\n- text-classification\n---\n# A model\n").validate()
    with pytest.raises(ValueError, match="tags"):
        ModelCard("---\ntags:\n- 1\n- 2\n---\n# A model\n").validate()
    # A non-mapping front matter never reaches the server through ModelCard: its constructor refuses it.
    with pytest.raises(ValueError, match="should be a dict"):
        ModelCard("---\n- a\n- b\n---\n")


def test_readme_whose_front_matter_is_not_a_mapping_is_refused_before_any_upload(api, writable_hub):
    api.create_repo(f"{USER}/carded")
    since = len(writable_hub.requests)
    # HfApi has no public validate_yaml in 2.4: create_commit calls its _validate_yaml for a README.md.
    with pytest.raises(ValueError, match="Invalid metadata in README.md"):
        upload(api, f"{USER}/carded", "README.md", b"---\n- a\n- b\n---\n# x\n")
    assert writable_hub.write_requests(since) == [("POST", "/api/validate-yaml", 400)]
    status, _, body = post_json(f"{writable_hub.endpoint}/api/validate-yaml", {"content": "---\n[\n---\n"})
    assert status == 400 and json.loads(body)["errors"][0]["message"]


def test_readme_without_front_matter_uploads_with_the_hubs_warning(api):
    api.create_repo(f"{USER}/bare-card")
    with pytest.warns(UserWarning, match="empty or missing yaml metadata"):
        upload(api, f"{USER}/bare-card", "README.md", b"# No metadata\n")
    assert "README.md" in api.list_repo_files(f"{USER}/bare-card")


def test_delete_repo_removes_it_and_reads_then_raise_repository_not_found(api, writable_hub):
    api.create_repo(f"{USER}/short-lived")
    api.delete_repo(f"{USER}/short-lived")
    with pytest.raises(RepositoryNotFoundError):
        api.repo_info(f"{USER}/short-lived")
    assert writable_hub.repo_folder("models", f"{USER}/short-lived") is None
    with pytest.raises(RepositoryNotFoundError):
        api.delete_repo(f"{USER}/short-lived")
    api.delete_repo(f"{USER}/short-lived", missing_ok=True)


def test_write_requests_is_empty_after_reads_and_lists_a_push(api, writable_hub):
    api.model_info(MODEL_ID)
    api.list_repo_files(MODEL_ID)
    assert writable_hub.write_requests() == []
    since = len(writable_hub.requests)
    api.create_repo(f"{USER}/logged")
    upload(api, f"{USER}/logged", "x.txt", b"x")
    assert writable_hub.write_requests(since) == [
        ("POST", "/api/repos/create", 200),
        ("POST", f"/api/models/{USER}/logged/preupload/main", 200),
        ("POST", f"/api/models/{USER}/logged/commit/main", 200),
    ]


def test_fixture_repo_in_root_cannot_be_committed_to_and_root_is_unchanged(writable_hub, hub_root):
    before = folder_contents(hub_root)
    owner = HfApi(endpoint=writable_hub.endpoint, token=FIXTURE_OWNER_TOKEN)
    assert status_of(lambda: upload(owner, MODEL_ID, "config.json", b"x")) == 403
    assert status_of(lambda: owner.delete_repo(MODEL_ID)) == 403
    assert status_of(lambda: owner.create_repo(MODEL_ID)) == 409
    status, _, _ = post_commit(writable_hub, MODEL_ID, [commit_header()], FIXTURE_OWNER_TOKEN)
    assert status == 403
    assert folder_contents(hub_root) == before


def test_stand_in_without_upload_root_refuses_writes_with_403(hub_root, hf_online):
    with HubStandIn(hub_root, tokens=TOKENS) as read_only:
        api = HfApi(endpoint=read_only.endpoint, token=TOKEN)
        assert api.whoami()["name"] == USER
        with pytest.raises(HfHubHTTPError, match="read-only") as caught:
            api.create_repo(f"{USER}/nowhere")
        assert caught.value.response.status_code == 403


def test_commit_on_a_stale_parent_commit_is_412(api, writable_hub):
    api.create_repo(f"{USER}/raced")
    stale = api.repo_info(f"{USER}/raced").sha
    upload(api, f"{USER}/raced", "a.txt", b"first")
    assert status_of(lambda: upload(api, f"{USER}/raced", "b.txt", b"second", parent_commit=stale)) == 412
    assert "b.txt" not in api.list_repo_files(f"{USER}/raced")


def test_raw_commit_refuses_climbing_paths_and_lfs_lines_and_changes_nothing(api, writable_hub):
    api.create_repo(f"{USER}/guarded")
    folder = writable_hub.repo_folder("models", f"{USER}/guarded")
    before = folder_contents(folder.parent.parent)
    good = {"key": "file", "value": {"path": "ok.txt", "content": "b2s=", "encoding": "base64"}}
    for line, expected in (
        ({"key": "file", "value": {"path": "../../escape.txt", "content": "b2s=", "encoding": "base64"}}, 422),
        ({"key": "file", "value": {"path": "/etc/escape.txt", "content": "b2s=", "encoding": "base64"}}, 422),
        ({"key": "deletedFile", "value": {"path": "missing.txt"}}, 404),
        ({"key": "lfsFile", "value": {"path": "big.bin", "algo": "sha256", "oid": "0" * 64, "size": 1}}, 400),
    ):
        status, _, body = post_commit(writable_hub, f"{USER}/guarded", [commit_header(), good, line])
        assert (status, "error" in json.loads(body)) == (expected, True)
    assert folder_contents(folder.parent.parent) == before
    assert writable_hub.commits == []
