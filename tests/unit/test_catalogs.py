import struct

import pytest

from helpers.tiny import catalogs


def write_mo(path, messages, charset="UTF-8", big_endian=False):
    """Write a compiled gettext catalog holding ``messages`` (a dict of raw key -> raw value)."""
    entries = {"": f"Content-Type: text/plain; charset={charset}\nPlural-Forms: nplurals=2; plural=(n > 1);\n"}
    entries.update(messages)
    keys = sorted(entries)
    ids = [k.encode(charset) for k in keys]
    strs = [entries[k].encode(charset) for k in keys]
    order = ">" if big_endian else "<"
    count, header_size = len(keys), 28
    ids_at = header_size
    strs_at = ids_at + 8 * count
    data_at = strs_at + 8 * count
    blob, id_table, str_table = b"", [], []
    for table, values in ((id_table, ids), (str_table, strs)):
        for value in values:
            table.append((len(value), data_at + len(blob)))
            blob += value + b"\x00"
    out = struct.pack(f"{order}7I", 0x950412DE, 0, count, ids_at, strs_at, 0, 0)
    out += b"".join(struct.pack(f"{order}2I", *pair) for pair in id_table + str_table)
    path.write_bytes(out + blob)
    return path


def test_reads_plain_entries_and_skips_the_header(tmp_path):
    path = write_mo(tmp_path / "a.mo", {"Open a new file": "Ouvrir un nouveau fichier"})
    (entry,) = catalogs.read_mo(path)
    assert entry == catalogs.CatalogEntry(None, "Open a new file", None, ("Ouvrir un nouveau fichier",))


def test_context_entries_keep_their_message_and_drop_the_context(tmp_path):
    path = write_mo(tmp_path / "a.mo", {"menu\x04Close all tabs": "Fermer tous les onglets"})
    (entry,) = catalogs.read_mo(path)
    assert entry.context == "menu" and entry.msgid == "Close all tabs"
    assert catalogs.entry_pairs(entry) == [("Close all tabs", "Fermer tous les onglets")]


def test_plural_entries_give_the_singular_and_the_plural_pair(tmp_path):
    path = write_mo(tmp_path / "a.mo", {"%1 file was deleted\x00%1 files were deleted": "%1 fichier supprimé\x00%1 fichiers supprimés"})
    (entry,) = catalogs.read_mo(path)
    assert entry.msgid_plural == "%1 files were deleted"
    assert catalogs.entry_pairs(entry) == [
        ("%1 file was deleted", "%1 fichier supprimé"),
        ("%1 files were deleted", "%1 fichiers supprimés"),
    ]


def test_empty_translations_give_no_pair(tmp_path):
    path = write_mo(
        tmp_path / "a.mo",
        {"Not translated yet": "", "One of two forms\x00Two of two forms": "Une des deux formes\x00"},
    )
    pairs = [pair for entry in catalogs.read_mo(path) for pair in catalogs.entry_pairs(entry)]
    assert pairs == [("One of two forms", "Une des deux formes")]


def test_no_break_spaces_become_plain_and_placeholders_stay():
    assert catalogs.normalize("Nom\u00a0: {name}\u202f!  %1") == "Nom : {name} ! %1"


def test_big_endian_and_latin1_catalogs_are_read(tmp_path):
    path = write_mo(tmp_path / "a.mo", {"Save the file": "Enregistrer le fichier modifié"}, charset="ISO-8859-1", big_endian=True)
    (entry,) = catalogs.read_mo(path)
    assert entry.msgstrs == ("Enregistrer le fichier modifié",)


def test_a_file_that_is_not_a_catalog_is_refused_with_a_clear_message(tmp_path):
    path = tmp_path / "fr.po"
    path.write_text('msgid "Open"\nmsgstr "Ouvrir"\n' * 3)
    with pytest.raises(ValueError, match="not a gettext .mo catalog"):
        catalogs.read_mo(path)


def test_catalog_pairs_deduplicate_and_keep_three_words_or_more(tmp_path):
    first = write_mo(tmp_path / "a.mo", {"Save": "Enregistrer", "Save all files": "Enregistrer tous les fichiers"})
    second = write_mo(tmp_path / "b.mo", {"Save all files": "Sauver tous les fichiers", "Rename the file": "Renommer le fichier"})
    assert catalogs.catalog_pairs([first, second]) == [
        ("Save all files", "Enregistrer tous les fichiers"),  # the first translation wins
        ("Rename the file", "Renommer le fichier"),
    ]
    assert catalogs.catalog_pairs([first, second], max_words=2) == []


def test_language_pack_data_has_the_kde4_shape():
    data = catalogs.build_kde4_dataset(max_words=10)
    assert list(data) == ["train"] and data["train"].features == catalogs.KDE4_FEATURES
    rows = data["train"]["translation"]
    assert len(rows) > 1000
    assert all(len(row["en"].split()) >= 3 and row["fr"] for row in rows)
    assert len({row["en"] for row in rows}) == len(rows)
    assert not any("\u00a0" in row["fr"] or "\u202f" in row["fr"] for row in rows)
    assert any("%1" in row["en"] and "%1" in row["fr"] for row in rows)


def test_language_pack_data_is_the_same_every_time():
    assert catalogs.build_kde4_dataset()["train"]["translation"] == catalogs.build_kde4_dataset()["train"]["translation"]


def test_system_catalogs_are_off_by_default_and_a_missing_folder_gives_none(tmp_path, monkeypatch):
    monkeypatch.setattr(catalogs, "system_catalogs", lambda *a: pytest.fail("system catalogs read"))
    catalogs.build_kde4_dataset()
    monkeypatch.undo()
    assert catalogs.system_catalogs(tmp_path / "missing") == []


def test_package_catalogs_find_the_french_files_of_an_installed_package(tmp_path, monkeypatch):
    package = tmp_path / "somepkg"
    for language, translation in (("fr", "Tout enregistrer"), ("de", "Alles speichern")):
        folder = package / "locale" / language / "LC_MESSAGES"
        folder.mkdir(parents=True)
        write_mo(folder / "a.mo", {"Save all": translation})
    (package / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert catalogs.package_catalogs("somepkg") == [package / "locale/fr/LC_MESSAGES/a.mo"]


def test_a_missing_general_package_says_what_to_install():
    with pytest.raises(ModuleNotFoundError, match="pip install"):
        catalogs.package_catalogs("no_such_package_for_catalogs")


def test_general_pairs_leave_out_the_excluded_english_and_keep_short_labels(tmp_path, monkeypatch):
    django = write_mo(tmp_path / "django.mo", {"Save and continue editing": "Enregistrer et continuer les modifications", "Delete": "Supprimer"})
    pack = write_mo(tmp_path / "pack.mo", {"File": "Fichier", "Restart Kernel": "Redémarrer le noyau", "Restart the kernel now": "Redémarrer le noyau maintenant"})
    monkeypatch.setattr(catalogs, "GENERAL_PACKAGES", {"django": "Django"})
    monkeypatch.setattr(catalogs, "package_catalogs", lambda package: [django])
    monkeypatch.setattr(catalogs, "language_pack_catalogs", lambda: [pack])
    pairs = catalogs.general_pairs(exclude=["Delete"])
    assert pairs == [
        ("Save and continue editing", "Enregistrer et continuer les modifications"),
        ("File", "Fichier"),
        ("Restart Kernel", "Redémarrer le noyau"),
    ]  # the pack's sentences of three words or more are the tiny data, never pretraining


def test_installed_general_catalogs_hold_hundreds_of_pairs():
    pairs = catalogs.general_pairs()
    assert len(pairs) > 1500 and len({source for source, _ in pairs}) == len(pairs)
