#!/usr/bin/env python
# Written by `python -m helpers.scripts` from notebooks/02_masked_language_modeling.ipynb: edit the notebook, not this file.
"""The custom training loop of notebooks/02_masked_language_modeling.ipynb (Masked language modelling: adapting a model to a domain), for `accelerate launch`.

    accelerate launch [launcher options] scripts/02_masked_language_modeling.py --mode tiny|full --output-dir DIR [--max-samples N] [--resume]

It loads and preprocesses the data itself, so it runs on a machine that never ran the notebook, trains
with `training_function` and writes DIR/results.json. `--help` lists every option.
"""

# ---- the notebook's parameters cell, then the command line's values ------------------------------------
MODE = "tiny"
PUSH_TO_HUB = False
HUB_MODEL_ID = "distilbert-base-uncased-finetuned-imdb"  # the Trainer's repository when sharing: "name" or "organisation/name"
SEED = 42
MAX_SAMPLES = None  # or a number, such as 1_000, to try a subset first
LOOP_PROCESSES = None  # the custom loop's processes; None: one per GPU (two CPU processes in tiny mode)
RESUME = False  # True: go on from the latest checkpoints in the output folder (see above)
OUTPUT_ROOT = None  # the folder for outputs; None: outputs/ in this repository

from helpers.scripts import command_line

parameters, OUTPUT_DIR, hub_repos = command_line(globals())
globals().update(parameters)  # MODE, SEED, MAX_SAMPLES, PUSH_TO_HUB, ... as the command line sets them


# ---- notebook cell 9 -----------------------------------------------------------------------------------
import torch

from helpers import modes

MODE = modes.resolve_mode(MODE)  # in tiny mode also sets HF_HUB_OFFLINE=1 and hides 🤗 Datasets' bars
modes.check_parameters(MODE, push_to_hub=PUSH_TO_HUB, hub_model_id=HUB_MODEL_ID, seed=SEED, max_samples=MAX_SAMPLES,
                      loop_processes=LOOP_PROCESSES, resume=RESUME, output_root=OUTPUT_ROOT)
if MODE == "tiny":
    torch.set_num_threads(1)  # see the note above
print(f"Running in {MODE} mode (PyTorch CPU threads: {torch.get_num_threads()})")


# ---- notebook cell 13 ----------------------------------------------------------------------------------
SETTINGS = {
    "full": {
        "dataset": "stanfordnlp/imdb",
        "checkpoint": "distilbert/distilbert-base-uncased",
        "chunk_size": 128,
        "mlm_probability": 0.15,
        "wwm_probability": 0.2,
        "train_size": 10_000,
        "test_size": 1_000,
        "batch_size": 64,
        "learning_rate": 2e-5,
        "loop_learning_rate": 5e-5,
        "weight_decay": 0.01,
        "num_train_epochs": 3,
        "loop_batch_size": 64,  # per process
        "loop_epochs": 3,
        "probe_text": "This is a great [MASK].",  # the course's sentence
    },
    "tiny": {
        "chunk_size": 128,
        "mlm_probability": 0.15,
        "wwm_probability": 0.2,
        "train_size": 1_400,  # about all of the domain's training chunks
        "test_size": 160,
        "batch_size": 32,
        "learning_rate": 5e-3,
        "loop_learning_rate": 3e-3,
        "weight_decay": 0.01,
        "num_train_epochs": 2,
        "loop_batch_size": 16,  # per process: two processes make batches of 32
        "loop_epochs": 2,
        "probe_text": "Open the [MASK] for reading.",
    },
}
cfg = SETTINGS[MODE]
HUB_TAG = "fill-mask"  # the model cards' tag: the task, as the Hub's filters name it


# ---- notebook cell 15 ----------------------------------------------------------------------------------
from helpers import tiny

if MODE == "full":
    modes.require_hub()
    checkpoint = cfg["checkpoint"]
else:
    checkpoint = tiny.distilbert_checkpoint()


# ---- notebook cell 22 ----------------------------------------------------------------------------------
from datasets import load_dataset

from helpers.subsets import take_subset

if MODE == "full":
    raw_datasets = load_dataset(cfg["dataset"])
else:
    raw_datasets = tiny.imdb_dataset()

rows_loaded = {split: rows.num_rows for split, rows in raw_datasets.items()}
raw_datasets = take_subset(raw_datasets, MAX_SAMPLES)  # unchanged while MAX_SAMPLES is None
raw_datasets


# ---- notebook cell 25 ----------------------------------------------------------------------------------
from transformers import AutoTokenizer

tokenizer = AutoTokenizer.from_pretrained(checkpoint)
print(type(tokenizer).__name__, "with", len(tokenizer), "tokens; fast:", tokenizer.is_fast)


# ---- notebook cell 28 ----------------------------------------------------------------------------------
def tokenize_function(batch):
    encodings = tokenizer(batch["text"], return_offsets_mapping=True)
    encodings["word_ids"] = [encodings.word_ids(i) for i in range(len(batch["text"]))]
    return encodings


tokenized_datasets = raw_datasets.map(
    tokenize_function, batched=True, remove_columns=raw_datasets["train"].column_names
)
tokenized_datasets


# ---- notebook cell 35 ----------------------------------------------------------------------------------
chunk_size = cfg["chunk_size"]


def group_texts(batch):
    """Concatenate every column of the batch, cut it into full chunks, and copy input_ids to labels."""
    joined = {name: sum(batch[name], []) for name in batch}
    usable = (len(joined["input_ids"]) // chunk_size) * chunk_size
    chunks = {
        name: [values[start : start + chunk_size] for start in range(0, usable, chunk_size)]
        for name, values in joined.items()
    }
    chunks["labels"] = [list(ids) for ids in chunks["input_ids"]]
    return chunks


lm_datasets = tokenized_datasets.map(group_texts, batched=True)
lm_datasets


# ---- notebook cell 39 ----------------------------------------------------------------------------------
downsampled = {
    "train": lm_datasets["train"].shuffle(seed=SEED).select(range(min(cfg["train_size"], len(lm_datasets["train"])))),
    "test": lm_datasets["test"].shuffle(seed=SEED).select(range(min(cfg["test_size"], len(lm_datasets["test"])))),
}
print({split: len(data) for split, data in downsampled.items()})


# ---- notebook cell 41 ----------------------------------------------------------------------------------
from transformers import DataCollatorForLanguageModeling, set_seed

data_collator = DataCollatorForLanguageModeling(tokenizer=tokenizer, mlm_probability=cfg["mlm_probability"])


# ---- notebook cell 63 ----------------------------------------------------------------------------------
from transformers import default_data_collator


def insert_random_mask(batch):
    """Return the batch with input_ids and labels as masked once by data_collator."""
    features = [{"input_ids": ids} for ids in batch["input_ids"]]
    masked = data_collator(features)
    return {"input_ids": masked["input_ids"].tolist(), "labels": masked["labels"].tolist()}


set_seed(SEED)
eval_dataset = downsampled["test"].map(
    insert_random_mask, batched=True, remove_columns=downsampled["test"].column_names
)
eval_dataset


# ---- notebook cell 65 ----------------------------------------------------------------------------------
import json
from pathlib import Path

from accelerate import Accelerator, DataLoaderConfiguration
from torch.utils.data import DataLoader
from tqdm import tqdm  # a text bar, which the launched processes print like any other output
from huggingface_hub import upload_folder
from transformers import get_scheduler

from helpers import sharing
from helpers.precision import mixed_precision
from helpers.resuming import LoopProgress, latest_checkpoint, remove_checkpoints, save_checkpoint
from transformers import AutoModelForMaskedLM

train_dataset = downsampled["train"].select_columns(["input_ids"])


def training_function(output_folder):
    accelerator = Accelerator(
        mixed_precision=mixed_precision(),
        # Shuffle by the seed and the epoch alone, so that a resumed run sees the batches an uninterrupted one would.
        dataloader_config=DataLoaderConfiguration(use_seedable_sampler=True),
    )
    set_seed(SEED)

    model = AutoModelForMaskedLM.from_pretrained(checkpoint)
    train_dataloader = DataLoader(
        train_dataset, shuffle=True, collate_fn=data_collator, batch_size=cfg["loop_batch_size"]
    )
    eval_dataloader = DataLoader(
        eval_dataset, collate_fn=default_data_collator, batch_size=cfg["loop_batch_size"]
    )
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=cfg["loop_learning_rate"], weight_decay=cfg["weight_decay"]
    )
    model, optimizer, train_dataloader, eval_dataloader = accelerator.prepare(
        model, optimizer, train_dataloader, eval_dataloader
    )
    num_training_steps = cfg["loop_epochs"] * len(train_dataloader)
    lr_scheduler = get_scheduler("linear", optimizer, num_warmup_steps=0, num_training_steps=num_training_steps)

    def evaluate():
        model.eval()
        chunk_losses = []
        for batch in eval_dataloader:
            with torch.no_grad():
                loss = model(**batch).loss
            # One copy of the batch's loss per chunk, so that averaging weighs every chunk once.
            chunk_losses.append(accelerator.gather_for_metrics(loss.repeat(batch["input_ids"].shape[0])))
        return torch.exp(torch.cat(chunk_losses).mean()).item()

    # What the loop has done and logged. Each checkpoint saves it, with the scheduler, weights and optimizer.
    progress = LoopProgress(losses=[], perplexities=[])
    accelerator.register_for_checkpointing(lr_scheduler, progress)
    checkpoints = Path(output_folder) / "checkpoints"
    latest = latest_checkpoint(checkpoints) if RESUME else None
    if latest is not None:
        accelerator.load_state(latest)  # weights, optimizer, scheduler, progress, data order, random generators
        accelerator.print(f"resuming from checkpoints/{latest.name}: {progress.epoch} epochs done")
    else:
        if accelerator.is_main_process:  # a fresh run: an earlier run's checkpoints must not be taken for this one's
            remove_checkpoints(output_folder)
        progress.perplexities.append(evaluate())  # before training
    upload = None  # the upload in progress (main process, PUSH_TO_HUB only)
    if PUSH_TO_HUB and accelerator.is_main_process:
        sharing.write_model_card(
            output_folder, base_model=checkpoint, dataset=cfg["dataset"], tags=[HUB_TAG],
            summary=f"`{checkpoint}` adapted to film reviews (IMDB) with masked language modelling with a custom loop on 🤗 Accelerate.",
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
        progress.perplexities.append(evaluate())
        if accelerator.is_main_process:
            progress_bar.write(f"epoch {epoch}: perplexity {progress.perplexities[-1]:.2f}")
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
        scores = {"perplexity_before": progress.perplexities[0], "perplexity_after": progress.perplexities[-1]}
        summary = {
            "accelerate": scores,
            "perplexities": progress.perplexities,
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
