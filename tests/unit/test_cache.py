import json

import pytest

from helpers.tiny import cache


def write_two_files(folder):
    (folder / "a.txt").write_text("alpha")
    (folder / "sub").mkdir()
    (folder / "sub" / "b.bin").write_bytes(b"\x00\x01")


def test_cache_dir_follows_the_environment_variable(tmp_cache):
    assert cache.cache_dir() == tmp_cache


def test_entry_key_changes_with_params_and_not_with_key_order():
    assert cache.entry_key("x", {"a": 1, "b": 2}) == cache.entry_key("x", {"b": 2, "a": 1})
    assert cache.entry_key("x", {"a": 1}) != cache.entry_key("x", {"a": 2})


def test_build_runs_once_and_is_reused(tmp_cache):
    calls = []

    def build(folder):
        calls.append(folder)
        write_two_files(folder)

    first = cache.cached_build("demo", {"v": 1}, build)
    second = cache.cached_build("demo", {"v": 1}, build)
    assert first == second and len(calls) == 1
    assert (first / "sub" / "b.bin").read_bytes() == b"\x00\x01"
    assert cache.check_entry(first) is None


def test_failed_build_leaves_no_entry_and_no_temporary_folder(tmp_cache):
    def broken(folder):
        (folder / "half.txt").write_text("half")
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError, match="interrupted"):
        cache.cached_build("demo", {"v": 1}, broken)
    assert list(tmp_cache.iterdir()) == []


def test_entry_without_manifest_is_rebuilt_with_a_warning(tmp_cache):
    folder = cache.cached_build("demo", {"v": 1}, write_two_files)
    (folder / cache.MANIFEST).unlink()
    assert "no manifest" in cache.check_entry(folder)
    with pytest.warns(UserWarning, match="Rebuilding the tiny cache entry"):
        again = cache.cached_build("demo", {"v": 1}, write_two_files)
    assert again == folder and cache.check_entry(folder) is None


@pytest.mark.parametrize(
    "damage, reason",
    [
        (lambda f: (f / "a.txt").write_text("alphx"), "differs"),
        (lambda f: (f / "a.txt").write_text("al"), "differs"),
        (lambda f: (f / "sub" / "b.bin").unlink(), "missing"),
        (lambda f: (f / cache.MANIFEST).write_text("{not json"), "unreadable"),
        (lambda f: (f / cache.MANIFEST).write_text('{"files": {"a.txt": 3}}'), "unreadable"),
    ],
    ids=["edited", "truncated", "deleted", "bad-manifest", "malformed-manifest"],
)
def test_corrupted_entry_is_detected_and_rebuilt(tmp_cache, damage, reason):
    folder = cache.cached_build("demo", {"v": 1}, write_two_files)
    damage(folder)
    assert reason in cache.check_entry(folder)
    with pytest.warns(UserWarning, match=reason):
        cache.cached_build("demo", {"v": 1}, write_two_files)
    assert (folder / "a.txt").read_text() == "alpha"
    assert cache.check_entry(folder) is None


def test_files_added_after_the_build_are_tolerated(tmp_cache):
    folder = cache.cached_build("demo", {"v": 1}, write_two_files)
    (folder / "cache-123.arrow").write_text("written later by a library")
    assert cache.check_entry(folder) is None


def test_manifest_records_params_and_every_file(tmp_cache):
    folder = cache.cached_build("demo", {"v": 7}, write_two_files)
    manifest = json.loads((folder / cache.MANIFEST).read_text())
    assert manifest["params"] == {"v": 7}
    assert sorted(manifest["files"]) == ["a.txt", "sub/b.bin"]


def test_clear_removes_the_whole_cache(tmp_cache):
    cache.cached_build("demo", {"v": 1}, write_two_files)
    assert cache.clear() == tmp_cache
    assert not tmp_cache.exists()


def test_an_entry_another_process_finished_meanwhile_is_kept_not_replaced(tmp_cache):
    # Two test workers may build the same entry at once; the one that finishes second must not
    # move away the folder the first is already reading from.
    def build_theirs(folder):
        (folder / "a.txt").write_text("theirs")

    def build_ours(folder):
        cache.cached_build("demo", {"v": 1}, build_theirs)  # "the other process" finishes first
        (folder / "a.txt").write_text("ours")

    theirs = cache.cached_build("demo", {"v": 1}, build_ours)
    assert (theirs / "a.txt").read_text() == "theirs"
    assert cache.check_entry(theirs) is None
    assert [p.name for p in tmp_cache.iterdir()] == [theirs.name]  # our temporary folder is gone
