#!/usr/bin/env python
# Written by `python -m helpers.scripts` from notebooks/03_translation.ipynb: edit the notebook, not this file.
"""The custom training loop of notebooks/03_translation.ipynb (Translation: English → French), for `accelerate launch`.

    accelerate launch [launcher options] scripts/03_translation.py --mode tiny|full --output-dir DIR [--max-samples N] [--resume]

It loads and preprocesses the data itself, so it runs on a machine that never ran the notebook, trains
with `training_function` and writes DIR/results.json. `--help` lists every option.
"""

# ---- the notebook's parameters cell, then the command line's values ------------------------------------
MODE = "tiny"
PUSH_TO_HUB = False
HUB_MODEL_ID = "marian-finetuned-kde4-en-to-fr"  # the Trainer's repository when sharing: "name" or "organisation/name"
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
        "dataset": "Helsinki-NLP/kde4",
        "dataset_revision": "refs/convert/parquet",  # the Parquet conversion: the repo's script no longer runs
        "dataset_dir": "en-fr",  # the language pair's folder on that branch
        "checkpoint": "Helsinki-NLP/opus-mt-en-fr",
        "max_length": 128,
        "learning_rate": 2e-5,
        "num_train_epochs": 3,
        "warmup": 0.0,  # share of the training steps with a rising learning rate
        "label_smoothing": 0.0,
        "weight_decay": 0.01,
        "batch_size": 32,
        "eval_batch_size": 64,
        "save_total_limit": 3,  # the trainer keeps the last three checkpoints
        "eval_size": None,  # evaluate on the whole validation split
        "max_new_tokens": 128,
        "num_beams": 4,  # what opus-mt's configuration asks for (the course leaves it at that)
        "loop_batch_size": 8,  # per process
        "loop_epochs": 3,
        "loop_weight_decay": 0.0,  # the course's loop: AdamW without weight decay
        "loop_eval_size": 2_000,  # validation pairs the loop translates at each evaluation (section 7); None: all
    },
    "tiny": {
        "max_length": 32,
        "learning_rate": 4e-3,
        "num_train_epochs": 15,
        "warmup": 0.1,
        "label_smoothing": 0.1,
        "weight_decay": 0.01,
        "batch_size": 32,
        "eval_batch_size": 64,
        "save_total_limit": 3,
        "eval_size": 200,  # at most
        "max_new_tokens": 32,
        "num_beams": 1,
        "loop_batch_size": 16,  # per process: two processes make batches of 32
        "loop_epochs": 5,
        "loop_weight_decay": 0.0,
        "loop_eval_size": 200,
    },
}
cfg = SETTINGS[MODE]
HUB_TAG = "translation"  # the model cards' tag: the course's tags="translation"


# ---- notebook cell 17 ----------------------------------------------------------------------------------
from datasets import load_dataset

from helpers import tiny
from helpers.subsets import take_subset

if MODE == "full":
    modes.require_hub()
    raw_datasets = load_dataset(cfg["dataset"], data_dir=cfg["dataset_dir"], revision=cfg["dataset_revision"])
else:
    raw_datasets = tiny.kde4_dataset()

rows_loaded = {split: rows.num_rows for split, rows in raw_datasets.items()}
raw_datasets = take_subset(raw_datasets, MAX_SAMPLES)  # unchanged while MAX_SAMPLES is None
raw_datasets


# ---- notebook cell 19 ----------------------------------------------------------------------------------
split_datasets = raw_datasets["train"].train_test_split(train_size=0.9, seed=20)
split_datasets["validation"] = split_datasets.pop("test")
split_datasets


# ---- notebook cell 24 ----------------------------------------------------------------------------------
from transformers import AutoTokenizer

checkpoint = cfg["checkpoint"] if MODE == "full" else tiny.marian_checkpoint()
tokenizer = AutoTokenizer.from_pretrained(checkpoint)
print(type(tokenizer).__name__, "with", len(tokenizer), "tokens")


# ---- notebook cell 31 ----------------------------------------------------------------------------------
def preprocess(batch):
    sources = [pair["en"] for pair in batch["translation"]]
    targets = [pair["fr"] for pair in batch["translation"]]
    return tokenizer(sources, text_target=targets, max_length=cfg["max_length"], truncation=True)


tokenized_datasets = split_datasets.map(
    preprocess, batched=True, remove_columns=split_datasets["train"].column_names
)
tokenized_datasets


# ---- notebook cell 38 ----------------------------------------------------------------------------------
import numpy as np


def decode_ids(ids):
    ids = np.where(np.asarray(ids) == -100, tokenizer.pad_token_id, ids)
    return [text.strip() for text in tokenizer.batch_decode(ids, skip_special_tokens=True)]


def compute_metrics(eval_prediction):
    predicted_ids, label_ids = eval_prediction
    predictions, references = decode_ids(predicted_ids), decode_ids(label_ids)
    return {"bleu": sacrebleu.corpus_bleu(predictions, [references]).score}


# ---- notebook cell 40 ----------------------------------------------------------------------------------
eval_size = min(cfg["eval_size"] or len(split_datasets["validation"]), len(split_datasets["validation"]))
eval_dataset = tokenized_datasets["validation"].select(range(eval_size))  # what both trainings evaluate on


# ---- notebook cell 56 ----------------------------------------------------------------------------------
import json
from pathlib import Path

from accelerate import Accelerator, DataLoaderConfiguration
from torch.utils.data import DataLoader
from tqdm import tqdm  # a text bar, which the launched processes print like any other output
from huggingface_hub import upload_folder
from transformers import get_scheduler

import sacrebleu
from transformers import AutoModelForSeq2SeqLM, DataCollatorForSeq2Seq, set_seed

from helpers import sharing
from helpers.precision import mixed_precision
from helpers.resuming import LoopProgress, latest_checkpoint, remove_checkpoints, save_checkpoint


def training_function(output_folder):
    accelerator = Accelerator(
        mixed_precision=mixed_precision(),
        # Shuffle by the seed and the epoch alone, so that a resumed run sees the batches an uninterrupted one would.
        dataloader_config=DataLoaderConfiguration(use_seedable_sampler=True),
    )
    set_seed(SEED)

    model = AutoModelForSeq2SeqLM.from_pretrained(checkpoint)
    collator = DataCollatorForSeq2Seq(tokenizer, model=model)
    train_dataloader = DataLoader(
        tokenized_datasets["train"], shuffle=True, collate_fn=collator, batch_size=cfg["loop_batch_size"]
    )
    loop_eval_size = min(cfg["loop_eval_size"] or len(eval_dataset), len(eval_dataset))
    eval_dataloader = DataLoader(
        eval_dataset.select(range(loop_eval_size)), collate_fn=collator, batch_size=cfg["eval_batch_size"]
    )
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=cfg["learning_rate"], weight_decay=cfg["loop_weight_decay"]
    )
    model, optimizer, train_dataloader, eval_dataloader = accelerator.prepare(
        model, optimizer, train_dataloader, eval_dataloader
    )
    num_training_steps = cfg["loop_epochs"] * len(train_dataloader)
    lr_scheduler = get_scheduler(
        "linear",
        optimizer,
        num_warmup_steps=int(cfg["warmup"] * num_training_steps),
        num_training_steps=num_training_steps,
    )

    def evaluate():
        model.eval()
        predictions, references = [], []
        for batch in eval_dataloader:
            with torch.no_grad():
                generated = accelerator.unwrap_model(model).generate(
                    input_ids=batch["input_ids"],
                    attention_mask=batch["attention_mask"],
                    max_new_tokens=cfg["max_new_tokens"],
                    max_length=None,  # max_new_tokens alone caps the length (see above)
                    num_beams=cfg["num_beams"],
                )
            generated = accelerator.pad_across_processes(generated, dim=1, pad_index=tokenizer.pad_token_id)
            labels = accelerator.pad_across_processes(batch["labels"], dim=1, pad_index=-100)
            generated, labels = accelerator.gather_for_metrics((generated, labels))
            predictions += decode_ids(generated.cpu().numpy())
            references += decode_ids(labels.cpu().numpy())
        return sacrebleu.corpus_bleu(predictions, [references]).score

    # What the loop has done and logged. Each checkpoint saves it, with the scheduler, weights and optimizer.
    progress = LoopProgress(losses=[], bleu_per_epoch=[])
    accelerator.register_for_checkpointing(lr_scheduler, progress)
    checkpoints = Path(output_folder) / "checkpoints"
    latest = latest_checkpoint(checkpoints) if RESUME else None
    if latest is not None:
        accelerator.load_state(latest)  # weights, optimizer, scheduler, progress, data order, random generators
        accelerator.print(f"resuming from checkpoints/{latest.name}: {progress.epoch} epochs done")
    else:
        if accelerator.is_main_process:  # a fresh run: an earlier run's checkpoints must not be taken for this one's
            remove_checkpoints(output_folder)
        progress.bleu_before = evaluate()
        if accelerator.is_main_process:
            print(f"before training: BLEU {progress.bleu_before:.2f}")
    upload = None  # the upload in progress (main process, PUSH_TO_HUB only)
    if PUSH_TO_HUB and accelerator.is_main_process:
        sharing.write_model_card(
            output_folder, base_model=checkpoint, dataset=cfg["dataset"], tags=[HUB_TAG],
            summary=f"`{checkpoint}` fine-tuned on KDE4 for English to French with a custom loop on 🤗 Accelerate.",
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
        progress.bleu_per_epoch.append(evaluate())
        if accelerator.is_main_process:
            progress_bar.write(f"epoch {epoch + 1}: BLEU {progress.bleu_per_epoch[-1]:.2f}")
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
        scores = {"bleu_before": progress.bleu_before, "bleu_after": progress.bleu_per_epoch[-1], "bleu_per_epoch": progress.bleu_per_epoch}
        summary = {
            "accelerate": scores,
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
