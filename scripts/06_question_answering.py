#!/usr/bin/env python
# Written by `python -m helpers.scripts` from notebooks/06_question_answering.ipynb: edit the notebook, not this file.
"""The custom training loop of notebooks/06_question_answering.ipynb (Extractive question answering), for `accelerate launch`.

    accelerate launch [launcher options] scripts/06_question_answering.py --mode tiny|full --output-dir DIR [--max-samples N] [--resume]

It loads and preprocesses the data itself, so it runs on a machine that never ran the notebook, trains
with `training_function` and writes DIR/results.json. `--help` lists every option.
"""

# ---- the notebook's parameters cell, then the command line's values ------------------------------------
MODE = "tiny"
PUSH_TO_HUB = False
HUB_MODEL_ID = "bert-finetuned-squad"  # the Trainer's repository when sharing: "name" or "organisation/name"
SEED = 42
MAX_SAMPLES = None  # or a number, such as 1_000, to try a subset first
LOOP_PROCESSES = None  # the custom loop's processes; None: one per GPU (two CPU processes in tiny mode)
RESUME = False  # True: go on from the latest checkpoints in the output folder (see above)
OUTPUT_ROOT = None  # the folder for outputs; None: outputs/ in this repository

from helpers.scripts import command_line

parameters, OUTPUT_DIR, hub_repos = command_line(globals())
globals().update(parameters)  # MODE, SEED, MAX_SAMPLES, PUSH_TO_HUB, ... as the command line sets them


# ---- notebook cell 10 ----------------------------------------------------------------------------------
import torch

from helpers import modes

MODE = modes.resolve_mode(MODE)  # in tiny mode also sets HF_HUB_OFFLINE=1 and hides 🤗 Datasets' bars
modes.check_parameters(MODE, push_to_hub=PUSH_TO_HUB, hub_model_id=HUB_MODEL_ID, seed=SEED, max_samples=MAX_SAMPLES,
                      loop_processes=LOOP_PROCESSES, resume=RESUME, output_root=OUTPUT_ROOT)
if MODE == "tiny":
    torch.set_num_threads(1)  # see the note above
print(f"Running in {MODE} mode (PyTorch CPU threads: {torch.get_num_threads()})")


# ---- notebook cell 15 ----------------------------------------------------------------------------------
SETTINGS = {
    "full": {
        "dataset": "rajpurkar/squad",
        "checkpoint": "google-bert/bert-base-cased",
        "sanity_checkpoint": "distilbert/distilbert-base-cased-distilled-squad",
        "max_length": 384,
        "stride": 128,
        "n_best": 20,
        "max_answer_length": 30,
        "learning_rate": 2e-5,
        "num_train_epochs": 3,
        "weight_decay": 0.01,
        "warmup_steps": 0,
        "batch_size": 8,
        "loop_batch_size": 8,  # per process
        "loop_epochs": 3,
    },
    "tiny": {
        "max_length": 112,
        "stride": 32,
        "n_best": 20,
        "max_answer_length": 12,
        "learning_rate": 1e-3,
        "num_train_epochs": 3,
        "weight_decay": 0.01,
        "warmup_steps": 0.1,  # a number below 1 is a fraction of the training steps
        "batch_size": 16,
        "loop_batch_size": 8,  # per process: two processes make batches of 16
        "loop_epochs": 3,
    },
}
cfg = SETTINGS[MODE]
HUB_TAG = "question-answering"  # the model cards' tag: the task, as the Hub's filters name it


# ---- notebook cell 19 ----------------------------------------------------------------------------------
from datasets import load_dataset

from helpers import tiny
from helpers.subsets import take_subset

if MODE == "full":
    modes.require_hub()
    raw_datasets = load_dataset(cfg["dataset"])
else:
    raw_datasets = tiny.squad_dataset()

rows_loaded = {split: rows.num_rows for split, rows in raw_datasets.items()}
raw_datasets = take_subset(raw_datasets, MAX_SAMPLES)  # unchanged while MAX_SAMPLES is None
raw_datasets


# ---- notebook cell 27 ----------------------------------------------------------------------------------
from transformers import AutoTokenizer

checkpoint = cfg["checkpoint"] if MODE == "full" else tiny.bert_checkpoint()
tokenizer = AutoTokenizer.from_pretrained(checkpoint)
print(type(tokenizer).__name__, "with", len(tokenizer), "tokens; fast:", tokenizer.is_fast)


# ---- notebook cell 31 ----------------------------------------------------------------------------------
# How every (question, context) pair is cut into windows, here and in the preprocessing below.
windowing = dict(
    max_length=cfg["max_length"],
    truncation="only_second",
    stride=cfg["stride"],
    return_overflowing_tokens=True,
    return_offsets_mapping=True,
)


def windows_of(example):
    return tokenizer(example["question"], example["context"], **windowing)


def end_of_first_window(windows):
    """Return the context character where the first window stops."""
    return max(end for (_, end), sequence in zip(windows["offset_mapping"][0], windows.sequence_ids(0)) if sequence == 1)


def answer_after_first_window(row):
    windows = windows_of(row)
    return len(windows["input_ids"]) > 1 and row["answers"]["answer_start"][0] >= end_of_first_window(windows)


# ---- notebook cell 42 ----------------------------------------------------------------------------------
from helpers.question_answering import answer_token_span


def preprocess_training_examples(batch):
    questions = [question.strip() for question in batch["question"]]
    encodings = tokenizer(questions, batch["context"], **windowing, padding="max_length")
    example_index = encodings.pop("overflow_to_sample_mapping")
    start_positions, end_positions = [], []
    for i, offsets in enumerate(encodings.pop("offset_mapping")):
        answers = batch["answers"][example_index[i]]
        first_char = answers["answer_start"][0]
        last_char = first_char + len(answers["text"][0])
        start, end = answer_token_span(offsets, encodings.sequence_ids(i), first_char, last_char)
        start_positions.append(start)
        end_positions.append(end)
    encodings["start_positions"] = start_positions
    encodings["end_positions"] = end_positions
    return encodings


train_features = raw_datasets["train"].map(
    preprocess_training_examples, batched=True, remove_columns=raw_datasets["train"].column_names
)
no_answer = sum(start == 0 for start in train_features["start_positions"])
print(f"{len(raw_datasets['train'])} questions -> {len(train_features)} training windows; "
      f"{no_answer} of them ({no_answer / len(train_features):.0%}) do not hold the answer")


# ---- notebook cell 44 ----------------------------------------------------------------------------------
def preprocess_validation_examples(batch, tokenizer=tokenizer):
    questions = [question.strip() for question in batch["question"]]
    encodings = tokenizer(questions, batch["context"], **windowing, padding="max_length")
    example_index = encodings.pop("overflow_to_sample_mapping")
    encodings["example_id"] = [batch["id"][j] for j in example_index]
    encodings["offset_mapping"] = [
        [offset if sequence == 1 else None for offset, sequence in zip(offsets, encodings.sequence_ids(i))]
        for i, offsets in enumerate(encodings["offset_mapping"])
    ]
    return encodings


validation_features = raw_datasets["validation"].map(
    preprocess_validation_examples, batched=True, remove_columns=raw_datasets["validation"].column_names
)
print(len(raw_datasets["validation"]), "questions ->", len(validation_features), "validation windows")


# ---- notebook cell 64 ----------------------------------------------------------------------------------
def best_answer(context, windows, n_best, max_answer_length):
    """Return the best-scoring span over all windows of one question: its text, score, start and end characters and window."""
    best = {"text": "", "score": None, "start": None, "end": None, "window": None}
    for window, (start_logits, end_logits, offsets) in enumerate(windows):
        start_indexes = np.argsort(start_logits)[::-1][:n_best]
        end_indexes = np.argsort(end_logits)[::-1][:n_best]
        for start in start_indexes:
            for end in end_indexes:
                if offsets[start] is None or offsets[end] is None or end < start or end - start + 1 > max_answer_length:
                    continue
                score = float(start_logits[start] + end_logits[end])
                if best["score"] is None or score > best["score"]:
                    first_char, last_char = offsets[start][0], offsets[end][1]
                    best = {"text": context[first_char:last_char], "score": score, "start": first_char, "end": last_char, "window": window}
    return best


# ---- notebook cell 70 ----------------------------------------------------------------------------------
from collections import defaultdict


def compute_squad_metrics(start_logits, end_logits, features, examples):
    """Return (SQuAD scores, predicted answers with the window each came from) for the logits of every window in ``features``."""
    windows_by_id = defaultdict(list)
    for logits_start, logits_end, example_id, offsets in zip(
        start_logits, end_logits, features["example_id"], features["offset_mapping"]
    ):
        windows_by_id[example_id].append((logits_start, logits_end, offsets))
    predictions = []
    for example in examples:
        answer = best_answer(
            example["context"],
            windows_by_id[example["id"]],
            n_best=cfg["n_best"],
            max_answer_length=cfg["max_answer_length"],
        )
        predictions.append({"id": example["id"], "prediction_text": answer["text"], "window": answer["window"]})
    references = [{"id": example["id"], "answers": example["answers"]} for example in examples]
    return squad_scores(predictions, references), predictions


# ---- notebook cell 92 ----------------------------------------------------------------------------------
import json
from pathlib import Path

import numpy as np
from accelerate import Accelerator, DataLoaderConfiguration
from torch.utils.data import DataLoader
from tqdm import tqdm  # a text bar, which the launched processes print like any other output
from huggingface_hub import upload_folder
from transformers import get_scheduler

from transformers import AutoModelForQuestionAnswering, default_data_collator, set_seed

from helpers import sharing
from helpers.precision import mixed_precision
from helpers.resuming import LoopProgress, latest_checkpoint, remove_checkpoints, save_checkpoint
from helpers.metrics import squad_scores

model_inputs = validation_features.remove_columns(["example_id", "offset_mapping"])


def training_function(output_folder):
    accelerator = Accelerator(
        mixed_precision=mixed_precision(),
        # Shuffle by the seed and the epoch alone, so that a resumed run sees the batches an uninterrupted one would.
        dataloader_config=DataLoaderConfiguration(use_seedable_sampler=True),
    )
    set_seed(SEED)

    model = AutoModelForQuestionAnswering.from_pretrained(checkpoint)
    train_dataloader = DataLoader(
        train_features, shuffle=True, collate_fn=default_data_collator, batch_size=cfg["loop_batch_size"]
    )
    eval_dataloader = DataLoader(model_inputs, collate_fn=default_data_collator, batch_size=4 * cfg["loop_batch_size"])
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg["learning_rate"], weight_decay=cfg["weight_decay"])
    model, optimizer, train_dataloader, eval_dataloader = accelerator.prepare(
        model, optimizer, train_dataloader, eval_dataloader
    )
    # The scheduler is built after `prepare`, when the dataloader has its per-process length.
    num_training_steps = cfg["loop_epochs"] * len(train_dataloader)
    warmup = cfg["warmup_steps"]
    num_warmup_steps = int(warmup * num_training_steps) if warmup < 1 else int(warmup)
    lr_scheduler = get_scheduler("linear", optimizer, num_warmup_steps=num_warmup_steps, num_training_steps=num_training_steps)

    # What the loop has done and logged. Each checkpoint saves it, with the scheduler, weights and optimizer.
    progress = LoopProgress(losses=[], scores=None)
    accelerator.register_for_checkpointing(lr_scheduler, progress)
    checkpoints = Path(output_folder) / "checkpoints"
    latest = latest_checkpoint(checkpoints) if RESUME else None
    if latest is not None:
        accelerator.load_state(latest)  # weights, optimizer, scheduler, progress, data order, random generators
        accelerator.print(f"resuming from checkpoints/{latest.name}: {progress.epoch} epochs done")
    elif accelerator.is_main_process:  # a fresh run: an earlier run's checkpoints must not be taken for this one's
        remove_checkpoints(output_folder)
    upload = None  # the upload in progress (main process, PUSH_TO_HUB only)
    if PUSH_TO_HUB and accelerator.is_main_process:
        sharing.write_model_card(
            output_folder, base_model=checkpoint, dataset=cfg["dataset"], tags=[HUB_TAG],
            summary=f"`{checkpoint}` fine-tuned for extractive question answering on SQuAD with a custom loop on 🤗 Accelerate.",
        )
    progress_bar = tqdm(
        range(num_training_steps), initial=progress.epoch * len(train_dataloader),
        disable=not accelerator.is_main_process, mininterval=2,
    )
    for epoch in range(progress.epoch, cfg["loop_epochs"]):
        train_dataloader.set_epoch(epoch)  # the epoch's order, also after resuming
        model.train()
        for batch in train_dataloader:
            loss = model(**batch).loss
            accelerator.backward(loss)
            optimizer.step()
            lr_scheduler.step()
            optimizer.zero_grad()
            progress_bar.update(1)
            progress.losses.append(loss.item())

        model.eval()
        all_start, all_end = [], []
        for batch in eval_dataloader:
            with torch.no_grad():
                outputs = model(**batch)
            start, end = accelerator.gather_for_metrics((outputs.start_logits, outputs.end_logits))
            all_start.append(start.float().cpu().numpy())
            all_end.append(end.float().cpu().numpy())
        start_logits = np.concatenate(all_start)[: len(validation_features)]
        end_logits = np.concatenate(all_end)[: len(validation_features)]
        scores, _ = compute_squad_metrics(start_logits, end_logits, validation_features, raw_datasets["validation"])
        if accelerator.is_main_process:  # every process has the same scores; print them once
            progress_bar.write(f"epoch {epoch}: exact match {scores['exact_match']:.2f}  F1 {scores['f1']:.2f}")
        progress.scores = scores
        # Save after every epoch; the main process uploads in the background while training goes on.
        accelerator.wait_for_everyone()
        if upload is not None:
            upload.result()  # the previous upload reads these files: let it end before they change
        unwrapped = accelerator.unwrap_model(model)
        # The course also passes save_function=accelerator.save, a parameter transformers v5 no longer has.
        unwrapped.save_pretrained(output_folder, is_main_process=accelerator.is_main_process)
        if accelerator.is_main_process:
            tokenizer.save_pretrained(output_folder)
            if PUSH_TO_HUB:
                upload = upload_folder(
                    repo_id=hub_repos["loop"],
                    folder_path=output_folder,
                    commit_message=f"Training in progress epoch {epoch}",
                    ignore_patterns=["results.json", "checkpoints/*"],
                    run_as_future=True,
                )
        progress.epoch = epoch + 1
        save_checkpoint(accelerator, checkpoints, f"epoch_{epoch}")  # all a resumed run needs, after this epoch

    if upload is not None:
        upload.result()  # the last epoch's model has landed on the Hub before the function returns
    if accelerator.is_main_process:
        summary = {
            "accelerate": progress.scores,
            "losses": progress.losses,
            "num_processes": accelerator.num_processes,
            "mixed_precision": accelerator.mixed_precision,
        }
        (Path(output_folder) / "results.json").write_text(json.dumps(summary))

# ---- run -----------------------------------------------------------------------------------------------
if __name__ == "__main__":
    from accelerate import PartialState

    training_function(OUTPUT_DIR)
    # Leave the process group before exiting: a process that exits inside one can abort at exit.
    PartialState().destroy_process_group()
