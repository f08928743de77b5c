#!/usr/bin/env python
# Written by `python -m helpers.scripts` from notebooks/01_token_classification.ipynb: edit the notebook, not this file.
"""The custom training loop of notebooks/01_token_classification.ipynb (Token classification: named-entity recognition), for `accelerate launch`.

    accelerate launch [launcher options] scripts/01_token_classification.py --mode tiny|full --output-dir DIR [--max-samples N] [--resume]

It loads and preprocesses the data itself, so it runs on a machine that never ran the notebook, trains
with `training_function` and writes DIR/results.json. `--help` lists every option.
"""

# ---- the notebook's parameters cell, then the command line's values ------------------------------------
MODE = "tiny"
PUSH_TO_HUB = False
HUB_MODEL_ID = "bert-finetuned-ner"  # the Trainer's repository when sharing: "name" or "organisation/name"
SEED = 42
MAX_SAMPLES = None  # or a number, such as 1_000, to try a subset first
LOOP_PROCESSES = None  # the custom loop's processes; None: one per GPU (two CPU processes in tiny mode)
RESUME = False  # True: go on from the latest checkpoints in the output folder (see above)
OUTPUT_ROOT = None  # the folder for outputs; None: outputs/ in this repository

from helpers.scripts import command_line

parameters, OUTPUT_DIR, hub_repos = command_line(globals())
globals().update(parameters)  # MODE, SEED, MAX_SAMPLES, PUSH_TO_HUB, ... as the command line sets them


# ---- notebook cell 11 ----------------------------------------------------------------------------------
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
        "dataset": "eriktks/conll2003",
        "dataset_revision": "refs/convert/parquet",  # the Parquet conversion: the repo's script no longer runs
        "checkpoint": "google-bert/bert-base-cased",
        "learning_rate": 2e-5,
        "num_train_epochs": 3,
        "weight_decay": 0.01,
        "batch_size": 8,
        "loop_batch_size": 8,  # per process
        "loop_epochs": 3,
        "freeze_word_embeddings": False,
    },
    "tiny": {
        "learning_rate": 2e-3,
        "num_train_epochs": 3,
        "weight_decay": 0.01,
        "batch_size": 32,
        "loop_batch_size": 16,  # per process: two processes make batches of 32
        "loop_epochs": 2,
        "freeze_word_embeddings": True,  # see section 6
    },
}
cfg = SETTINGS[MODE]
HUB_TAG = "token-classification"  # the model cards' tag: the task, as the Hub's filters name it


# ---- notebook cell 19 ----------------------------------------------------------------------------------
from datasets import load_dataset

from helpers import tiny
from helpers.subsets import take_subset

if MODE == "full":
    modes.require_hub()
    raw_datasets = load_dataset(cfg["dataset"], revision=cfg["dataset_revision"])
else:
    raw_datasets = tiny.ner_dataset()

rows_loaded = {split: rows.num_rows for split, rows in raw_datasets.items()}
raw_datasets = take_subset(raw_datasets, MAX_SAMPLES)  # unchanged while MAX_SAMPLES is None
raw_datasets


# ---- notebook cell 23 ----------------------------------------------------------------------------------
ner_feature = raw_datasets["train"].features["ner_tags"]
label_names = ner_feature.feature.names


# ---- notebook cell 28 ----------------------------------------------------------------------------------
from transformers import AutoTokenizer

checkpoint = cfg["checkpoint"] if MODE == "full" else tiny.bert_checkpoint()
tokenizer = AutoTokenizer.from_pretrained(checkpoint)


# ---- notebook cell 33 ----------------------------------------------------------------------------------
begin_to_inside = {
    label_names.index(name): label_names.index("I-" + name[2:])
    for name in label_names
    if name.startswith("B-")
}


def align_labels_with_tokens(word_labels, word_ids):
    """Return one label per token: -100 for special tokens, I-X for a B-X word's later tokens."""
    token_labels = []
    previous_word = None
    for word_id in word_ids:
        if word_id is None:
            token_labels.append(-100)
        elif word_id == previous_word:
            label = word_labels[word_id]
            token_labels.append(begin_to_inside.get(label, label))
        else:
            token_labels.append(word_labels[word_id])
        previous_word = word_id
    return token_labels


# ---- notebook cell 36 ----------------------------------------------------------------------------------
def tokenize_and_align_labels(batch):
    encodings = tokenizer(batch["tokens"], truncation=True, is_split_into_words=True)
    encodings["labels"] = [
        align_labels_with_tokens(labels, encodings.word_ids(i))
        for i, labels in enumerate(batch["ner_tags"])
    ]
    return encodings


tokenized_datasets = raw_datasets.map(
    tokenize_and_align_labels,
    batched=True,
    remove_columns=raw_datasets["train"].column_names,
)
tokenized_datasets


# ---- notebook cell 38 ----------------------------------------------------------------------------------
from transformers import DataCollatorForTokenClassification

data_collator = DataCollatorForTokenClassification(tokenizer=tokenizer)


# ---- notebook cell 47 ----------------------------------------------------------------------------------
import numpy as np


def to_tag_names(label_ids, predicted_ids):
    """Return (reference tags, predicted tags) per sentence, skipping positions labelled -100."""
    references, predictions = [], []
    for label_row, predicted_row in zip(label_ids, predicted_ids):
        keep = [i for i, label in enumerate(label_row) if label != -100]
        references.append([label_names[label_row[i]] for i in keep])
        predictions.append([label_names[predicted_row[i]] for i in keep])
    return references, predictions


def compute_metrics(eval_prediction):
    logits, label_ids = eval_prediction
    predicted_ids = np.argmax(logits, axis=-1)
    references, predictions = to_tag_names(label_ids, predicted_ids)
    scores = entity_scores(references, predictions)
    return {name: scores[name] for name in ("precision", "recall", "f1", "accuracy")}


# ---- notebook cell 49 ----------------------------------------------------------------------------------
from transformers import AutoModelForTokenClassification, set_seed

id2label = dict(enumerate(label_names))
label2id = {name: i for i, name in id2label.items()}


# ---- notebook cell 66 ----------------------------------------------------------------------------------
import json
from pathlib import Path

from accelerate import Accelerator, DataLoaderConfiguration
from torch.utils.data import DataLoader
from tqdm import tqdm  # a text bar, which the launched processes print like any other output
from huggingface_hub import upload_folder
from transformers import get_scheduler

from helpers import sharing
from helpers.metrics import entity_scores
from helpers.precision import mixed_precision
from helpers.resuming import LoopProgress, latest_checkpoint, remove_checkpoints, save_checkpoint


def training_function(output_folder):
    accelerator = Accelerator(
        mixed_precision=mixed_precision(),
        # Shuffle by the seed and the epoch alone, so that a resumed run sees the batches an uninterrupted one would.
        dataloader_config=DataLoaderConfiguration(use_seedable_sampler=True),
    )
    set_seed(SEED)

    model = AutoModelForTokenClassification.from_pretrained(checkpoint, id2label=id2label, label2id=label2id)
    if cfg["freeze_word_embeddings"]:
        model.get_input_embeddings().weight.requires_grad_(False)
    train_dataloader = DataLoader(
        tokenized_datasets["train"], shuffle=True, collate_fn=data_collator, batch_size=cfg["loop_batch_size"]
    )
    eval_dataloaders = {
        split: DataLoader(tokenized_datasets[split], collate_fn=data_collator, batch_size=cfg["loop_batch_size"])
        for split in ("validation", "test")
    }
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg["learning_rate"])
    model, optimizer, train_dataloader, eval_dataloaders["validation"], eval_dataloaders["test"] = accelerator.prepare(
        model, optimizer, train_dataloader, eval_dataloaders["validation"], eval_dataloaders["test"]
    )
    # The scheduler is built after `prepare`, when the dataloader has its per-process length.
    num_training_steps = cfg["loop_epochs"] * len(train_dataloader)
    lr_scheduler = get_scheduler("linear", optimizer, num_warmup_steps=0, num_training_steps=num_training_steps)

    def evaluate(split):
        model.eval()
        references, predictions = [], []
        for batch in eval_dataloaders[split]:
            with torch.no_grad():
                logits = model(**batch).logits
            predicted_ids = accelerator.pad_across_processes(logits.argmax(dim=-1), dim=1, pad_index=-100)
            label_ids = accelerator.pad_across_processes(batch["labels"], dim=1, pad_index=-100)
            predicted_ids, label_ids = accelerator.gather_for_metrics((predicted_ids, label_ids))
            refs, preds = to_tag_names(label_ids.cpu().tolist(), predicted_ids.cpu().tolist())
            references += refs
            predictions += preds
        return entity_scores(references, predictions)

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
            summary=f"`{checkpoint}` fine-tuned for named-entity recognition on CoNLL-2003 with a custom loop on 🤗 Accelerate.",
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
        scores = evaluate("validation")
        if accelerator.is_main_process:  # every process has the same scores; print them once
            progress_bar.write(
                f"epoch {epoch}: precision {scores['precision']:.3f} recall {scores['recall']:.3f} "
                f"F1 {scores['f1']:.3f} accuracy {scores['accuracy']:.3f}"
            )
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
    test_scores = evaluate("test")

    if upload is not None:
        upload.result()  # the last epoch's model has landed on the Hub before the function returns
    if accelerator.is_main_process:
        scores = {name: test_scores[name] for name in ("precision", "recall", "f1", "accuracy")}
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
