#!/usr/bin/env python
# Written by `python -m helpers.scripts` from notebooks/04_summarization.ipynb: edit the notebook, not this file.
"""The custom training loop of notebooks/04_summarization.ipynb (Summarization: writing a title for a text), for `accelerate launch`.

    accelerate launch [launcher options] scripts/04_summarization.py --mode tiny|full --output-dir DIR [--max-samples N] [--resume]

It loads and preprocesses the data itself, so it runs on a machine that never ran the notebook, trains
with `training_function` and writes DIR/results.json. `--help` lists every option.
"""

# ---- the notebook's parameters cell, then the command line's values ------------------------------------
MODE = "tiny"
PUSH_TO_HUB = False
HUB_MODEL_ID = "mt5-small-finetuned-amazon-en-es"  # the Trainer's repository when sharing: "name" or "organisation/name"
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
        # The course's `amazon_reviews_multi` is gone from the Hub; this copy has the same
        # columns (see section 2). Its Parquet conversion needs no loading script.
        "dataset": "neonwatty/amazon_reviews_multi",
        "dataset_revision": "refs/convert/parquet",
        "dataset_dir": "default",  # the one folder on that branch (see section 2)
        "checkpoint": "google/mt5-small",
        "languages": ["en", "es"],
        "categories": ["book", "digital_ebook_purchase"],
        "max_input_length": 512,
        "max_target_length": 30,
        "lead_sentences": 3,
        "learning_rate": 5.6e-5,
        "loop_learning_rate": 2e-5,
        "batch_size": 8,
        "eval_batch_size": 8,  # as in the course
        "train_sampling_strategy": "random",  # shuffled batches, as in the course
        "num_train_epochs": 8,
        "weight_decay": 0.01,
        "logging_steps": None,  # None: once per epoch, as in the course
        "loop_batch_size": 8,  # per process
        "loop_epochs": 10,
    },
    "tiny": {
        "languages": ["en", "es"],
        "categories": ["book", "digital_ebook_purchase"],
        "max_input_length": 96,
        "max_target_length": 24,
        "lead_sentences": 3,
        "learning_rate": 7e-3,
        "loop_learning_rate": 7e-3,
        "batch_size": 16,
        "eval_batch_size": 32,  # larger than the training batches: the same titles, generated sooner on a CPU
        "train_sampling_strategy": "group_by_length",  # see section 6
        "num_train_epochs": 5,
        "weight_decay": 0.01,
        "logging_steps": 5,
        "loop_batch_size": 4,  # per process: two processes make batches of 8
        "loop_epochs": 4,
    },
}
cfg = SETTINGS[MODE]
HUB_TAG = "summarization"  # the model cards' tag: the course's tags="summarization"


# ---- notebook cell 18 ----------------------------------------------------------------------------------
from datasets import load_dataset

from helpers import tiny

if MODE == "full":
    modes.require_hub()
    raw_datasets = load_dataset(cfg["dataset"], data_dir=cfg["dataset_dir"], revision=cfg["dataset_revision"])
else:
    raw_datasets = tiny.reviews_dataset()

rows_loaded = {split: rows.num_rows for split, rows in raw_datasets.items()}
raw_datasets


# ---- notebook cell 24 ----------------------------------------------------------------------------------
from datasets import DatasetDict, concatenate_datasets


def in_categories(example):
    return example["product_category"] in cfg["categories"]


by_language = {
    language: raw_datasets.filter(lambda example, language=language: example["language"] == language and in_categories(example))
    for language in cfg["languages"]
}
reviews = DatasetDict(
    {
        split: concatenate_datasets([by_language[language][split] for language in cfg["languages"]]).shuffle(seed=SEED)
        for split in raw_datasets
    }
)
print({split: len(reviews[split]) for split in reviews})


# ---- notebook cell 28 ----------------------------------------------------------------------------------
from helpers.subsets import take_subset

reviews = reviews.filter(lambda example: len(example["review_title"].split()) > 2)
reviews = take_subset(reviews, MAX_SAMPLES)  # unchanged while MAX_SAMPLES is None
print({split: len(reviews[split]) for split in reviews})


# ---- notebook cell 36 ----------------------------------------------------------------------------------
from transformers import AutoTokenizer

checkpoint = cfg["checkpoint"] if MODE == "full" else tiny.mt5_checkpoint()
tokenizer = AutoTokenizer.from_pretrained(checkpoint)
print(type(tokenizer).__name__, "with", len(tokenizer), "tokens")


# ---- notebook cell 40 ----------------------------------------------------------------------------------
max_input_length = cfg["max_input_length"]
max_target_length = cfg["max_target_length"]


# ---- notebook cell 43 ----------------------------------------------------------------------------------
def preprocess(batch):
    model_inputs = tokenizer(batch["review_body"], max_length=max_input_length, truncation=True)
    labels = tokenizer(text_target=batch["review_title"], max_length=max_target_length, truncation=True)
    model_inputs["labels"] = labels["input_ids"]
    return model_inputs


tokenized_datasets = reviews.map(preprocess, batched=True, remove_columns=reviews["train"].column_names)
tokenized_datasets


# ---- notebook cell 61 ----------------------------------------------------------------------------------
import numpy as np


def decode(token_ids):
    token_ids = np.where(np.asarray(token_ids) != -100, token_ids, tokenizer.pad_token_id)
    return [text.strip() for text in tokenizer.batch_decode(token_ids, skip_special_tokens=True)]


def compute_metrics(eval_prediction):
    generated_ids, label_ids = eval_prediction
    return rouge_scores(decode(generated_ids), decode(label_ids))


# ---- notebook cell 75 ----------------------------------------------------------------------------------
import json
from pathlib import Path

from accelerate import Accelerator, DataLoaderConfiguration
from torch.utils.data import DataLoader
from tqdm import tqdm  # a text bar, which the launched processes print like any other output
from huggingface_hub import upload_folder
from transformers import get_scheduler

from transformers import AutoModelForSeq2SeqLM, DataCollatorForSeq2Seq, set_seed

from helpers import sharing
from helpers.precision import mixed_precision
from helpers.resuming import LoopProgress, latest_checkpoint, remove_checkpoints, save_checkpoint
from helpers.summarization import rouge_scores


def training_function(output_folder):
    accelerator = Accelerator(
        mixed_precision=mixed_precision(fp16_ok=False),
        # Shuffle by the seed and the epoch alone, so that a resumed run sees the batches an uninterrupted one would.
        dataloader_config=DataLoaderConfiguration(use_seedable_sampler=True),
    )
    set_seed(SEED)
    model = AutoModelForSeq2SeqLM.from_pretrained(checkpoint)
    collator = DataCollatorForSeq2Seq(tokenizer, model=model)
    train_dataloader = DataLoader(
        tokenized_datasets["train"], shuffle=True, collate_fn=collator, batch_size=cfg["loop_batch_size"]
    )
    eval_dataloaders = {
        split: DataLoader(tokenized_datasets[split], collate_fn=collator, batch_size=cfg["eval_batch_size"])
        for split in ("validation", "test")
    }
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg["loop_learning_rate"], weight_decay=cfg["weight_decay"])
    model, optimizer, train_dataloader, eval_dataloaders["validation"], eval_dataloaders["test"] = accelerator.prepare(
        model, optimizer, train_dataloader, eval_dataloaders["validation"], eval_dataloaders["test"]
    )
    num_training_steps = cfg["loop_epochs"] * len(train_dataloader)
    lr_scheduler = get_scheduler("linear", optimizer, num_warmup_steps=0, num_training_steps=num_training_steps)

    def evaluate(split):
        model.eval()
        predictions, references = [], []
        for batch in eval_dataloaders[split]:
            with torch.no_grad():
                generated = accelerator.unwrap_model(model).generate(
                    input_ids=batch["input_ids"],
                    attention_mask=batch["attention_mask"],
                    max_new_tokens=cfg["max_target_length"],
                )
            generated = accelerator.pad_across_processes(generated, dim=1, pad_index=tokenizer.pad_token_id)
            labels = accelerator.pad_across_processes(batch["labels"], dim=1, pad_index=-100)
            generated, labels = accelerator.gather_for_metrics((generated, labels))
            predictions += decode(generated.cpu().numpy())
            references += decode(labels.cpu().numpy())
        model.train()
        return rouge_scores(predictions, references), predictions

    # What the loop has done and logged. Each checkpoint saves it, with the scheduler, weights and optimizer.
    progress = LoopProgress(losses=[])
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
            summary=f"`{checkpoint}` fine-tuned to write titles for English and Spanish product reviews with a custom loop on 🤗 Accelerate.",
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
        scores, _ = evaluate("validation")
        if accelerator.is_main_process:
            progress_bar.write(f"epoch {epoch}, validation: " + "  ".join(f"{name} {value:.2f}" for name, value in scores.items()))
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
    test_scores, predictions = evaluate("test")

    if upload is not None:
        upload.result()  # the last epoch's model has landed on the Hub before the function returns
    if accelerator.is_main_process:
        summary = {
            "accelerate": test_scores,
            "losses": progress.losses,
            "num_processes": accelerator.num_processes,
            "mixed_precision": accelerator.mixed_precision,
            "examples": predictions[:3],
        }
        (Path(output_folder) / "results.json").write_text(json.dumps(summary))

# ---- run -----------------------------------------------------------------------------------------------
if __name__ == "__main__":
    from accelerate import PartialState

    training_function(OUTPUT_DIR)
    # Leave the process group before exiting: a process that exits inside one can abort at exit.
    PartialState().destroy_process_group()
