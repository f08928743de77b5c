"""The two run modes: ``tiny`` (offline, CPU, about a minute) and ``full`` (Hub data, a GPU)."""

from __future__ import annotations

import logging
import os
import re
import urllib.error
import urllib.request

MODES = ("tiny", "full")
MODE_ENV_VAR = "COURSE_MODE"
DEFAULT_HUB = "https://huggingface.co"
_TRUE = {"1", "true", "yes", "on"}
_ANSI_CODE = re.compile(r"\x1b\[[0-9;]*m")
_LOCAL_SOURCE = re.compile(r"(LOAD REPORT from: )/\S*/([^/\s]+)")


class HubUnavailableError(RuntimeError):
    """Full mode was asked for, but the Hugging Face Hub cannot be reached."""


def resolve_mode(cell_value: str) -> str:
    """Return the run mode: ``$COURSE_MODE`` if set, else the parameters cell's value.

    In tiny mode this also sets ``HF_HUB_OFFLINE=1``, so that no library tries the network, and hides 🤗 Datasets'
    progress bars: there every map takes a fraction of a second, and in JupyterLab each bar is a widget that a
    saved notebook does not keep as it ended. In both modes it makes transformers' load reports plain text
    (``plain_load_reports``). Call it before importing transformers or datasets, which read that variable on import.
    """
    if not os.environ.get(MODE_ENV_VAR) and not isinstance(cell_value, str):
        raise TypeError(f'MODE in the parameters cell is {_describe(cell_value)}; it must be "tiny" or "full".')
    mode = (os.environ.get(MODE_ENV_VAR) or cell_value).strip().lower()
    if mode not in MODES:
        source = f"${MODE_ENV_VAR}" if os.environ.get(MODE_ENV_VAR) else "MODE in the parameters cell"
        raise ValueError(f"{source} is {mode!r}; it must be one of {', '.join(MODES)}.")
    if mode == "tiny":
        os.environ["HF_HUB_OFFLINE"] = "1"
        from datasets import disable_progress_bars  # imported after the switch above, which it reads

        disable_progress_bars()
    plain_load_reports()
    return mode


class PlainLoadReport(logging.Filter):
    """Make transformers' LOAD REPORT plain text: no terminal colour codes, a local checkpoint named by its folder."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and "LOAD REPORT" in record.msg:
            record.msg = _LOCAL_SOURCE.sub(r"\1\2", _ANSI_CODE.sub("", record.msg))
        return True


def plain_load_reports() -> None:
    """Add ``PlainLoadReport`` to the logger of ``from_pretrained`` (once), so saved notebooks show no codes or paths.

    transformers prints the report's title in bold with a terminal code even in a notebook, and names a local
    checkpoint (tiny mode's) by its full path on this machine.
    """
    logger = logging.getLogger("transformers.modeling_utils")
    if not any(isinstance(existing, PlainLoadReport) for existing in logger.filters):
        logger.addFilter(PlainLoadReport())


def _switch_hint() -> str:
    return (
        'To work offline, switch to tiny mode: set MODE = "tiny" in the parameters cell, '
        f"or start Jupyter with {MODE_ENV_VAR}=tiny in the environment."
    )


def require_hub(timeout: float = 5.0) -> None:
    """Return quietly if the Hub answers within ``timeout`` seconds; raise HubUnavailableError otherwise."""
    if os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in _TRUE:
        raise HubUnavailableError(
            "Full mode downloads data and checkpoints from the Hugging Face Hub, but "
            "HF_HUB_OFFLINE is set in this environment (tiny mode sets it: after switching "
            "to full, unset it and restart the kernel). "
            f"{_switch_hint()}"
        )
    endpoint = os.environ.get("HF_ENDPOINT", DEFAULT_HUB).rstrip("/")
    request = urllib.request.Request(f"{endpoint}/api/models/google-bert/bert-base-cased", method="HEAD")
    try:
        urllib.request.urlopen(request, timeout=timeout).close()
    except urllib.error.HTTPError:
        return  # The server answered (even if with an error status): the Hub is reachable.
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise HubUnavailableError(
            f"Full mode downloads data and checkpoints from the Hugging Face Hub, "
            f"but {endpoint} could not be reached ({reason}). {_switch_hint()}"
        ) from None


def _describe(value: object) -> str:
    return f"{value!r}, of type {type(value).__name__}"


def _is_count(value: object) -> bool:
    """Return whether ``value`` is a whole number of at least 1 (True and False are not)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def check_parameters(
    mode: str,
    *,
    push_to_hub: object,
    hub_model_id: object,
    seed: object,
    max_samples: object,
    loop_processes: object = None,
    resume: object = False,
    output_root: object = None,
) -> None:
    """Return quietly if the parameters cell's values have the right types; raise TypeError or ValueError naming the one that does not.

    ``mode`` is the resolved mode. Sharing needs the Hub, so ``push_to_hub`` in tiny mode, which
    runs offline, is refused here, before anything is loaded.
    """
    if not isinstance(push_to_hub, bool):
        raise TypeError(f"PUSH_TO_HUB in the parameters cell is {_describe(push_to_hub)}; it must be True or False.")
    if not isinstance(resume, bool):
        raise TypeError(f"RESUME in the parameters cell is {_describe(resume)}; it must be True or False.")
    if output_root is not None and not (isinstance(output_root, (str, os.PathLike)) and str(output_root).strip()):
        raise TypeError(
            f"OUTPUT_ROOT in the parameters cell is {_describe(output_root)}; it must be None (outputs/ in the "
            'repository) or a folder, such as "/content/drive/MyDrive/nlp-course".'
        )
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise TypeError(f"SEED in the parameters cell is {_describe(seed)}; it must be a whole number, such as 42.")
    if max_samples is not None and not _is_count(max_samples):
        raise ValueError(
            f"MAX_SAMPLES in the parameters cell is {_describe(max_samples)}; it must be None (all the data) "
            "or a whole number of at least 1, such as 1_000."
        )
    if loop_processes is not None and not _is_count(loop_processes):
        raise ValueError(
            f"LOOP_PROCESSES in the parameters cell is {_describe(loop_processes)}; it must be None (one process per "
            "GPU, or two CPU processes in tiny mode) or a whole number of at least 1."
        )
    if not isinstance(hub_model_id, str) or not hub_model_id.strip():
        raise TypeError(
            f'HUB_MODEL_ID in the parameters cell is {_describe(hub_model_id)}; it must be a repository name, '
            'such as "bert-finetuned-ner", or "organisation/name".'
        )
    if push_to_hub and mode != "full":
        raise ValueError(
            "PUSH_TO_HUB is True, but this notebook runs in tiny mode, which works offline: its small models "
            'are for learning on a CPU, not for sharing. Set MODE = "full" (and unset COURSE_MODE) to share '
            "the real models, or PUSH_TO_HUB = False."
        )
