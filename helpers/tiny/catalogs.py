"""A small KDE4-shaped English → French corpus, read from the gettext catalogs of installed packages.

Software translators ship their work as compiled gettext catalogs (``.mo`` files): every entry
pairs an English interface string with its French translation, which is exactly the domain of
KDE4. The JupyterLab French language pack carries about 3,500 entries on every platform;
Debian-family systems carry many more under ``/usr/share/locale/fr``, but those differ from one
machine to the next, so they are only read when asked for. The French catalogs of Django and
Sphinx, two other installed projects, are the tiny model's general pretraining corpus.
"""

from __future__ import annotations

import importlib.resources
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from datasets import Dataset, DatasetDict, Features, Translation, Value

LANGUAGE_PACK = "jupyterlab_language_pack_fr_FR"
LANGUAGE_PACK_DISTRIBUTION = "jupyterlab-language-pack-fr-FR"
SYSTEM_CATALOGS = Path("/usr/share/locale/fr/LC_MESSAGES")
# Other installed projects whose French catalogs make the tiny model's *general* corpus
# (import name -> distribution name): web-framework and documentation-tool interface strings.
GENERAL_PACKAGES = {"django": "Django", "sphinx": "Sphinx"}
KDE4_FEATURES = Features({"id": Value("string"), "translation": Translation(languages=["en", "fr"])})

_MAGIC = 0x950412DE
_CONTEXT_SEPARATOR = "\x04"  # gettext stores "context\x04message" as the key of a context entry
_PLURAL_SEPARATOR = "\x00"  # and "singular\x00plural" / "form 0\x00form 1" for plural entries
# No-break spaces (French typography puts them before ":", "?", "!") become plain spaces.
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2007": " "})


@dataclass(frozen=True)
class CatalogEntry:
    """One compiled gettext entry: its optional context, English message(s) and translation(s)."""

    context: str | None
    msgid: str
    msgid_plural: str | None
    msgstrs: tuple[str, ...]


def _charset(header: str) -> str:
    for line in header.splitlines():
        if line.lower().startswith("content-type:") and "charset=" in line:
            return line.split("charset=", 1)[1].strip() or "utf-8"
    return "utf-8"


def read_mo(path: Path) -> list[CatalogEntry]:
    """Return the entries of the compiled gettext catalog at ``path``, header excluded."""
    data = Path(path).read_bytes()
    if len(data) < 20:
        raise ValueError(f"{path} is too short to be a gettext .mo catalog.")
    for order in ("<", ">"):
        if struct.unpack(f"{order}I", data[:4])[0] == _MAGIC:
            break
    else:
        raise ValueError(f"{path} is not a gettext .mo catalog (wrong magic number); compile .po files with msgfmt.")
    count, ids_at, strs_at = struct.unpack(f"{order}3I", data[8:20])

    def string(table: int, index: int) -> bytes:
        length, offset = struct.unpack(f"{order}2I", data[table + 8 * index : table + 8 * index + 8])
        return data[offset : offset + length]

    raw = [(string(ids_at, i), string(strs_at, i)) for i in range(count)]
    header = next((value for key, value in raw if key == b""), b"").decode("utf-8", "replace")
    encoding = _charset(header)
    entries = []
    for key_bytes, value_bytes in raw:
        if not key_bytes:
            continue  # the header, which describes the catalog
        key, value = key_bytes.decode(encoding), value_bytes.decode(encoding)
        context, _, message = key.rpartition(_CONTEXT_SEPARATOR)
        msgid, _, msgid_plural = message.partition(_PLURAL_SEPARATOR)
        entries.append(
            CatalogEntry(
                context=context or None,
                msgid=msgid,
                msgid_plural=msgid_plural or None,
                msgstrs=tuple(value.split(_PLURAL_SEPARATOR)),
            )
        )
    return entries


def normalize(text: str) -> str:
    """Return ``text`` with no-break spaces made plain and runs of white space collapsed."""
    return " ".join(text.translate(_SPACES).split())


def entry_pairs(entry: CatalogEntry) -> list[tuple[str, str]]:
    """Return the normalised (English, French) pairs of one entry; untranslated forms give none.

    The context only tells translators where a string appears, so it is dropped. A plural entry
    gives two pairs: the English singular with the first form and the English plural with the
    second, which is how French (``nplurals=2``) orders its forms.
    """
    sources = [entry.msgid] + ([entry.msgid_plural] if entry.msgid_plural is not None else [])
    pairs = []
    for source, target in zip(sources, entry.msgstrs):
        source, target = normalize(source), normalize(target)
        if source and target:
            pairs.append((source, target))
    return pairs


def language_pack_catalogs() -> list[Path]:
    """Return the sorted ``.mo`` files of the JupyterLab French language pack."""
    try:
        root = importlib.resources.files(LANGUAGE_PACK)
    except ModuleNotFoundError:
        raise ModuleNotFoundError(
            f"Tiny translation data is read from the {LANGUAGE_PACK_DISTRIBUTION} package, which is not "
            f'installed: run  pip install "{LANGUAGE_PACK_DISTRIBUTION}"  (or make install).'
        ) from None
    files = sorted(Path(str(root)).rglob("*.mo"))
    if not files:
        raise FileNotFoundError(f"The {LANGUAGE_PACK_DISTRIBUTION} package holds no .mo catalogs under {root}.")
    return files


def package_catalogs(package: str) -> list[Path]:
    """Return the sorted French ``.mo`` files (``.../fr/LC_MESSAGES/*.mo``) that the installed ``package`` ships."""
    import importlib.util

    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            f"The French catalogs of {package} are part of the tiny translation model's corpus, but "
            f"{package} is not installed: run  pip install {GENERAL_PACKAGES.get(package, package)}  (or make install)."
        )
    files = sorted(path for root in spec.submodule_search_locations for path in Path(root).rglob("fr/LC_MESSAGES/*.mo"))
    if not files:
        raise FileNotFoundError(f"The installed {package} holds no French .mo catalogs.")
    return files


def general_pairs(exclude: Iterable[str] = (), max_words: int = 12) -> list[tuple[str, str]]:
    """Return the en→fr pairs of the tiny model's general pretraining, none whose English is in ``exclude``.

    They are every pair of up to ``max_words`` English words in the French catalogs of
    ``GENERAL_PACKAGES`` (Django, Sphinx), then the JupyterLab pack's one- and two-word labels
    ("File", "Restart Kernel"), a glossary which the tiny data set (3 words or more) never holds.
    """
    excluded = set(exclude)
    files = [path for package in GENERAL_PACKAGES for path in package_catalogs(package)]
    pairs = catalog_pairs(files, min_words=1, max_words=max_words)
    pairs += catalog_pairs(language_pack_catalogs(), min_words=1, max_words=2)
    chosen: dict[str, str] = {}
    for source, target in pairs:
        if source not in excluded:
            chosen.setdefault(source, target)
    return list(chosen.items())


def system_catalogs(folder: Path = SYSTEM_CATALOGS) -> list[Path]:
    """Return the sorted ``.mo`` files of the system's French locale folder (none if it is missing)."""
    return sorted(Path(folder).glob("*.mo")) if Path(folder).is_dir() else []


def catalog_pairs(files: Iterable[Path], min_words: int = 3, max_words: int | None = None) -> list[tuple[str, str]]:
    """Return unique (English, French) pairs from ``files``, keeping English of ``min_words``..``max_words`` words.

    An English string seen twice keeps the translation met first, in the order of ``files``,
    so the model never sees one source with two targets. Placeholders (``%1``, ``{name}``) stay.
    """
    chosen: dict[str, str] = {}
    for path in files:
        for entry in read_mo(path):
            for source, target in entry_pairs(entry):
                words = len(source.split())
                if words < min_words or (max_words is not None and words > max_words):
                    continue
                chosen.setdefault(source, target)
    return list(chosen.items())


def _rows(pairs: Iterable[tuple[str, str]]) -> Iterator[dict]:
    for index, (source, target) in enumerate(pairs):
        yield {"id": str(index), "translation": {"en": source, "fr": target}}


def build_kde4_dataset(
    include_system: bool = False, min_words: int = 3, max_words: int | None = None
) -> DatasetDict:
    """Return a KDE4-shaped ``DatasetDict`` (one ``train`` split of ``translation`` dicts) from French catalogs."""
    files = language_pack_catalogs() + (system_catalogs() if include_system else [])
    pairs = catalog_pairs(files, min_words=min_words, max_words=max_words)
    if not pairs:
        raise ValueError(f"No English → French pairs of at least {min_words} words in {len(files)} catalogs.")
    return DatasetDict({"train": Dataset.from_list(list(_rows(pairs)), features=KDE4_FEATURES)})
