"""Each notebook's custom training loop as a script for ``accelerate launch``: ``scripts/NN_<task>.py``.

A script is its notebook's parameters cell and the cells tagged ``script``, in order, under a short
header, so the loop a learner reads is the code the script runs. ``python -m helpers.scripts`` writes
them; a unit test fails when a script differs from what its notebook gives. The command line is

    accelerate launch [launcher options] scripts/NN_<task>.py --mode tiny|full --output-dir DIR
        [--max-samples N] [--seed N] [--resume] [--push-to-hub REPO_ID] [--set NAME=VALUE ...]

and the script writes ``DIR/results.json``.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import sys
from pathlib import Path

SCRIPT_TAG = "script"
PARAMETERS_TAG = "parameters"
SCRIPTS_DIR = Path(__file__).resolve().parents[1] / "scripts"  # in a checkout (or an editable install)

HEADER = '''\
#!/usr/bin/env python
# Written by `python -m helpers.scripts` from notebooks/{notebook}: edit the notebook, not this file.
"""The custom training loop of notebooks/{notebook} ({title}), for `accelerate launch`.

    accelerate launch [launcher options] scripts/{script} --mode tiny|full --output-dir DIR [--max-samples N] [--resume]

It loads and preprocesses the data itself, so it runs on a machine that never ran the notebook, trains
with `training_function` and writes DIR/results.json. `--help` lists every option.
"""
'''

FOOTER = '''
# ---- run -----------------------------------------------------------------------------------------------
if __name__ == "__main__":
    from accelerate import PartialState

    training_function(OUTPUT_DIR)
    # Leave the process group before exiting: a process that exits inside one can abort at exit.
    PartialState().destroy_process_group()
'''


def script_path(notebook_name: str) -> Path:
    """Return the script of a notebook in the course checkout that holds the working folder, else beside ``helpers``."""
    from helpers.results import project_root

    name = script_name(Path(notebook_name))
    for folder in (project_root() / "scripts", SCRIPTS_DIR):
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(
        f"scripts/{name} is not here: the scripts come with the course's repository. Work in a clone of it "
        "(on Colab, the notebook's first cell clones it)."
    )


def script_name(notebook: Path) -> str:
    """Return the script's file name for a notebook: ``01_token_classification.py``."""
    return Path(notebook).with_suffix(".py").name


def _tagged(cell: dict, tag: str) -> bool:
    return tag in cell.get("metadata", {}).get("tags", [])


def script_source(notebook: Path) -> str:
    """Return the script that ``notebook`` gives: header, parameters cell, command line, ``script`` cells, footer."""
    cells = json.loads(Path(notebook).read_text(encoding="utf-8"))["cells"]
    title = "".join(cells[0]["source"]).splitlines()[0].lstrip("# ").strip()
    (parameters,) = [c for c in cells if _tagged(c, PARAMETERS_TAG)]
    if not any(c["cell_type"] == "code" and _tagged(c, SCRIPT_TAG) for c in cells):
        raise ValueError(f"{Path(notebook).name} has no cell tagged {SCRIPT_TAG!r}: its loop would have no code")
    parts = [
        HEADER.format(notebook=Path(notebook).name, title=title, script=script_name(notebook)),
        "# ---- the notebook's parameters cell, then the command line's values ".ljust(106, "-"),
        "".join(parameters["source"]).rstrip(),
        "",
        "from helpers.scripts import command_line",
        "",
        "parameters, OUTPUT_DIR, hub_repos = command_line(globals())",
        "globals().update(parameters)  # MODE, SEED, MAX_SAMPLES, PUSH_TO_HUB, ... as the command line sets them",
    ]
    for index, cell in enumerate(cells):
        if cell["cell_type"] == "code" and _tagged(cell, SCRIPT_TAG):
            parts += ["", "", f"# ---- notebook cell {index} ".ljust(106, "-"), "".join(cell["source"]).rstrip()]
    source = "\n".join(parts) + "\n" + FOOTER
    ast.parse(source)  # a cell that is not plain Python (a %magic) fails here, not at launch
    return source


def _literal(text: str) -> object:
    """Return a Python literal written on the command line, or the text itself when it is none."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def command_line(defaults: dict, argv: list[str] | None = None) -> tuple[dict, Path, dict | None]:
    """Return the parameters the command line sets (over the notebook's, in ``defaults``), the output folder, and the Hub repositories.

    Only the main process prints: the others send what the notebook's cells print to /dev/null and
    keep transformers to its errors, so that two processes do not show every line twice (errors
    still reach stderr).
    """
    parser = argparse.ArgumentParser(description="Run the notebook's custom training loop.")
    parser.add_argument("--mode", choices=("tiny", "full"), default=defaults.get("MODE", "tiny"))
    parser.add_argument("--output-dir", required=True, type=Path, help="where the model and results.json go")
    parser.add_argument("--max-samples", type=int, default=defaults.get("MAX_SAMPLES"), help="rows per split")
    parser.add_argument("--seed", type=int, default=defaults.get("SEED", 42))
    parser.add_argument(
        "--resume", action="store_true", help="go on from the latest checkpoint in DIR/checkpoints, if there is one"
    )
    parser.add_argument("--push-to-hub", metavar="REPO_ID", help="upload the model after every epoch to REPO_ID")
    parser.add_argument(
        "--set", metavar="NAME=VALUE", action="append", default=[], help="another parameter, as a Python literal"
    )
    args = parser.parse_args(argv)
    values = {}
    for item in args.set:
        name, separator, value = item.partition("=")
        if not separator or name not in defaults or not name.isupper():
            raise SystemExit(f"--set {item!r}: give NAME=VALUE, with NAME one of the parameters cell's names")
        values[name] = _literal(value)
    values.update(MODE=args.mode, SEED=args.seed, MAX_SAMPLES=args.max_samples, PUSH_TO_HUB=args.push_to_hub is not None)
    values["RESUME"] = args.resume
    os.environ["COURSE_MODE"] = args.mode  # resolve_mode in the script's first cell reads it
    if int(os.environ.get("RANK", "0")) != 0:
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - for the life of the process
        os.environ["TRANSFORMERS_VERBOSITY"] = "error"  # nor its warnings, such as the load report, once more
    hub_repos = {"loop": args.push_to_hub} if args.push_to_hub else None
    return values, args.output_dir, hub_repos


def main(argv: list[str]) -> int:
    """Write ``scripts/NN_<task>.py`` for every notebook in ``notebooks/`` (or check them with ``--check``)."""
    notebooks = sorted((SCRIPTS_DIR.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    changed = []
    for notebook in notebooks:
        path = SCRIPTS_DIR / script_name(notebook)
        source = script_source(notebook)
        if path.exists() and path.read_text(encoding="utf-8") == source:
            continue  # left alone, so that its modification time still says when it last changed
        changed.append(path.name)
        if "--check" not in argv:
            path.parent.mkdir(exist_ok=True)
            path.write_text(source, encoding="utf-8")
            print("wrote", path.relative_to(SCRIPTS_DIR.parent))
    if "--check" in argv and changed:
        print("out of date (run `python -m helpers.scripts`):", ", ".join(changed))
        return 1
    if not changed:
        print(f"every script is up to date ({len(notebooks)})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
