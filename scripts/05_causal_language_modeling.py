#!/usr/bin/env python
# Written by `python -m helpers.scripts` from notebooks/05_causal_language_modeling.ipynb: edit the notebook, not this file.
"""The custom training loop of notebooks/05_causal_language_modeling.ipynb (Causal language modelling: training a code model from scratch), for `accelerate launch`.

    accelerate launch [launcher options] scripts/05_causal_language_modeling.py --mode tiny|full --output-dir DIR [--max-samples N] [--resume]

It loads and preprocesses the data itself, so it runs on a machine that never ran the notebook, trains
with `training_function` and writes DIR/results.json. `--help` lists every option.
"""

# ---- the notebook's parameters cell, then the command line's values ------------------------------------
MODE = "tiny"
PUSH_TO_HUB = False
HUB_MODEL_ID = "codeparrot-ds"  # the Trainer's repository when sharing: "name" or "organisation/name"
SEED = 42
MAX_SAMPLES = None  # or a number, such as 1_000, to try a subset first
LOOP_PROCESSES = None  # the custom loop's processes; None: one per GPU (two CPU processes in tiny mode)
RESUME = False  # True: go on from the latest checkpoints in the output folder (see above)
OUTPUT_ROOT = None  # the folder for outputs; None: outputs/ in this repository
MODEL_SHAPE = None  # None: the settings' GPT-2; or a smaller one, such as {"n_layer": 2, "n_embd": 128, "n_head": 4}

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
        "dataset_train": "huggingface-course/codeparrot-ds-train",
        "dataset_valid": "huggingface-course/codeparrot-ds-valid",
        "tokenizer": "huggingface-course/code-search-net-tokenizer",
        "context_length": 128,
        "n_embd": 768,
        "n_layer": 12,
        "n_head": 12,
        "batch_size": 32,
        "gradient_accumulation_steps": 8,
        "learning_rate": 5e-4,
        "warmup_steps": 1_000,
        "weight_decay": 0.1,
        "num_train_epochs": 1,
        "eval_steps": 5_000,  # optimizer steps between evaluations
        "loop_batch_size": 32,  # per process
        "loop_gradient_accumulation_steps": 8,
        "loop_eval_steps": 5_000,
    },
    "tiny": {
        "context_length": 64,
        "n_embd": 64,
        "n_layer": 2,
        "n_head": 4,
        "batch_size": 16,
        "gradient_accumulation_steps": 1,
        "learning_rate": 1.5e-2,
        "warmup_steps": 10,
        "weight_decay": 0.1,
        "num_train_epochs": 1,
        "eval_steps": 100,
        "loop_batch_size": 4,  # per process: two processes and two accumulated batches make 16
        "loop_gradient_accumulation_steps": 2,
        "loop_eval_steps": 100,
    },
}
cfg = SETTINGS[MODE]
if MODEL_SHAPE:  # another GPT-2 shape, from the parameters cell
    unknown = set(MODEL_SHAPE) - {"n_embd", "n_layer", "n_head"}
    if unknown:
        raise ValueError(f"MODEL_SHAPE may set n_embd, n_layer and n_head, not {sorted(unknown)}.")
    cfg = {**cfg, **MODEL_SHAPE}
HUB_TAG = "text-generation"  # the model cards' tag: the task, as the Hub's filters name it


# ---- notebook cell 21 ----------------------------------------------------------------------------------
from datasets import DatasetDict, load_dataset

from helpers import tiny
from helpers.subsets import take_subset

if MODE == "full":
    modes.require_hub()
    raw_datasets = DatasetDict(
        {
            "train": load_dataset(cfg["dataset_train"], split="train"),
            "valid": load_dataset(cfg["dataset_valid"], split="validation"),
        }
    )
else:
    raw_datasets = tiny.codeparrot_dataset()

rows_loaded = {split: rows.num_rows for split, rows in raw_datasets.items()}
raw_datasets = take_subset(raw_datasets, MAX_SAMPLES)  # unchanged while MAX_SAMPLES is None
raw_datasets


# ---- notebook cell 30 ----------------------------------------------------------------------------------
from transformers import AutoTokenizer

tokenizer_source = cfg["tokenizer"] if MODE == "full" else tiny.code_tokenizer()
tokenizer = AutoTokenizer.from_pretrained(tokenizer_source)
print(type(tokenizer).__name__, "with", len(tokenizer), "tokens")


# ---- notebook cell 33 ----------------------------------------------------------------------------------
context_length = cfg["context_length"]


# ---- notebook cell 36 ----------------------------------------------------------------------------------
def tokenize(batch):
    """Return the full-length chunks of every file in the batch, as a column of input ids."""
    encodings = tokenizer(
        batch["content"],
        truncation=True,
        max_length=context_length,
        return_overflowing_tokens=True,
        return_length=True,
    )
    full_chunks = [ids for ids, length in zip(encodings["input_ids"], encodings["length"]) if length == context_length]
    return {"input_ids": full_chunks}


tokenized_datasets = raw_datasets.map(tokenize, batched=True, remove_columns=raw_datasets["train"].column_names)
tokenized_datasets


# ---- notebook cell 39 ----------------------------------------------------------------------------------
from transformers import GPT2Config, GPT2LMHeadModel, set_seed

tokenizer.pad_token = tokenizer.eos_token
config = GPT2Config(
    vocab_size=len(tokenizer),
    n_positions=context_length,
    n_embd=cfg["n_embd"],
    n_layer=cfg["n_layer"],
    n_head=cfg["n_head"],
    bos_token_id=tokenizer.bos_token_id,
    eos_token_id=tokenizer.eos_token_id,
    pad_token_id=tokenizer.pad_token_id,
)


# ---- notebook cell 43 ----------------------------------------------------------------------------------
from transformers import DataCollatorForLanguageModeling

data_collator = DataCollatorForLanguageModeling(tokenizer, mlm=False)


# ---- notebook cell 57 ----------------------------------------------------------------------------------
key_words = ["plt", "pd", "sk", "fit", "predict", "fit_transform", "DataFrame"]
keytoken_ids = []
for word in key_words:
    for text in (word, " " + word):
        ids = tokenizer(text)["input_ids"]
        if len(ids) == 1:
            keytoken_ids.append(ids[0])
print("key tokens:", tokenizer.convert_ids_to_tokens(keytoken_ids))


# ---- notebook cell 61 ----------------------------------------------------------------------------------
import torch
import torch.nn.functional as F


def keytoken_weighted_loss(logits, labels, keytoken_ids, alpha=1.0):
    """Return the next-token cross-entropy, averaged over chunks weighted by 1 + alpha × their key tokens."""
    if logits.dim() != 3 or labels.dim() != 2 or logits.shape[:2] != labels.shape:
        raise ValueError(
            f"Expected logits of shape (batch, length, vocabulary) and labels of shape (batch, length); "
            f"got {tuple(logits.shape)} and {tuple(labels.shape)}."
        )
    if labels.shape[1] < 2:
        raise ValueError("Sequences need at least two tokens: the first one predicts the second.")
    if not len(keytoken_ids):
        raise ValueError("keytoken_ids is empty; pass the ids of the tokens whose chunks should count more.")
    if alpha < 0:
        raise ValueError(f"alpha must be 0 or more, not {alpha}; a negative weight would reward mistakes.")

    # The logits at position t predict the token at t + 1.
    shifted_logits = logits[:, :-1, :]
    targets = labels[:, 1:]
    token_losses = F.cross_entropy(
        shifted_logits.reshape(-1, shifted_logits.size(-1)), targets.reshape(-1), ignore_index=-100, reduction="none"
    ).view(targets.shape)
    counted = targets != -100  # padding is neither scored nor counted
    per_chunk = (token_losses * counted).sum(dim=1) / counted.sum(dim=1).clamp(min=1)
    keys = torch.as_tensor(list(keytoken_ids), device=targets.device)
    key_counts = (torch.isin(targets, keys) & counted).sum(dim=1)
    weights = 1.0 + alpha * key_counts.to(per_chunk.dtype)
    return (per_chunk * weights).sum() / weights.sum()  # the course: (per_chunk * alpha * (1 + counts)).mean()


# ---- notebook cell 66 ----------------------------------------------------------------------------------
import json
import math
from pathlib import Path

from accelerate import Accelerator, DataLoaderConfiguration
from torch.utils.data import DataLoader
from tqdm import tqdm  # a text bar, which the launched processes print like any other output
from huggingface_hub import upload_folder
from transformers import get_scheduler

from helpers import sharing
from helpers.precision import mixed_precision
from helpers.resuming import LoopProgress, latest_checkpoint, remove_checkpoints, save_checkpoint


def parameter_groups(model, weight_decay):
    """Split the parameters into those that get weight decay and biases / LayerNorm weights, which do not."""
    decayed, not_decayed = [], []
    for name, parameter in model.named_parameters():
        if name.endswith("bias") or ".ln_" in name:
            not_decayed.append(parameter)
        else:
            decayed.append(parameter)
    return [{"params": decayed, "weight_decay": weight_decay}, {"params": not_decayed, "weight_decay": 0.0}]


def training_function(output_folder):
    accelerator = Accelerator(
        mixed_precision=mixed_precision(),
        gradient_accumulation_steps=cfg["loop_gradient_accumulation_steps"],
        # Shuffle by the seed and the epoch alone, so that a resumed run sees the batches an uninterrupted one would.
        dataloader_config=DataLoaderConfiguration(use_seedable_sampler=True),
    )
    set_seed(SEED)
    model = GPT2LMHeadModel(config)
    model.loss_type = "ForCausalLM"
    train_dataloader = DataLoader(
        tokenized_datasets["train"],
        shuffle=True,
        batch_size=cfg["loop_batch_size"],
        collate_fn=data_collator,
        # A generator of its own: starting an epoch draws a seed from it, not from the one dropout uses,
        # so that a run resumed mid-epoch draws the same dropout masks as an uninterrupted one.
        generator=torch.Generator().manual_seed(SEED),
    )
    eval_dataloader = DataLoader(
        tokenized_datasets["valid"], batch_size=cfg["loop_batch_size"], collate_fn=data_collator
    )
    optimizer = torch.optim.AdamW(parameter_groups(model, cfg["weight_decay"]), lr=cfg["learning_rate"])
    model, optimizer, train_dataloader, eval_dataloader = accelerator.prepare(
        model, optimizer, train_dataloader, eval_dataloader
    )
    # Built after `prepare`, when the dataloader has its per-process length; the scheduler
    # counts optimizer steps, each of which takes `accumulation` batches.
    accumulation = cfg["loop_gradient_accumulation_steps"]
    num_update_steps = cfg["num_train_epochs"] * math.ceil(len(train_dataloader) / accumulation)
    lr_scheduler = get_scheduler(
        "cosine", optimizer, num_warmup_steps=cfg["warmup_steps"], num_training_steps=num_update_steps
    )

    def evaluate():
        model.eval()
        losses = []
        for batch in eval_dataloader:
            with torch.no_grad():
                loss = model(**batch).loss
            losses.append(accelerator.gather_for_metrics(loss.repeat(batch["input_ids"].shape[0])))
        model.train()
        mean_loss = torch.cat(losses).mean().item()
        return mean_loss, math.exp(mean_loss)

    # What the loop has done and logged. Each checkpoint saves it, with the scheduler, weights and optimizer.
    progress = LoopProgress(history=[], train_losses=[])
    accelerator.register_for_checkpointing(lr_scheduler, progress)
    checkpoints = Path(output_folder) / "checkpoints"
    latest = latest_checkpoint(checkpoints) if RESUME else None
    if latest is not None:
        accelerator.load_state(latest)  # weights, optimizer, scheduler, progress, data order, random generators
        accelerator.print(f"resuming from checkpoints/{latest.name}: {progress.steps} optimizer steps done")
    else:
        if accelerator.is_main_process:  # a fresh run: an earlier run's checkpoints must not be taken for this one's
            remove_checkpoints(output_folder)
        loss_before, progress.perplexity_start = evaluate()
        progress.history.append((0, loss_before))
    upload = None  # the upload in progress (main process, PUSH_TO_HUB only)
    if PUSH_TO_HUB and accelerator.is_main_process:
        sharing.write_model_card(
            output_folder, base_model=None, dataset=cfg["dataset_train"], tags=[HUB_TAG],
            summary="A GPT-2 trained from scratch on Python data-science code with a custom loop on 🤗 Accelerate.",
        )
    progress_bar = tqdm(range(num_update_steps), initial=progress.steps, disable=not accelerator.is_main_process, mininterval=2)
    model.train()
    for epoch in range(progress.epoch, cfg["num_train_epochs"]):
        train_dataloader.set_epoch(epoch)  # the epoch's order, also after resuming
        # After resuming mid-epoch, skip the batches this epoch has already trained on.
        batches = accelerator.skip_first_batches(train_dataloader, progress.batches) if progress.batches else train_dataloader
        for batch in batches:
            with accelerator.accumulate(model):
                logits = model(input_ids=batch["input_ids"]).logits
                loss = keytoken_weighted_loss(logits, batch["labels"], keytoken_ids, alpha=1.0)
                accelerator.backward(loss)
                if accelerator.sync_gradients:
                    accelerator.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()  # a no-op until the group's last batch
                if accelerator.sync_gradients:
                    lr_scheduler.step()
                optimizer.zero_grad()
            progress.batches += 1
            if accelerator.sync_gradients:
                progress_bar.update(1)
                progress.steps += 1
                progress.train_losses.append(loss.item())
                if progress.steps % cfg["loop_eval_steps"] == 0:
                    eval_loss, eval_perplexity = evaluate()
                    progress.history.append((progress.steps, eval_loss))
                    if accelerator.is_main_process:
                        progress_bar.write(f"step {progress.steps}: validation loss {eval_loss:.3f}, perplexity {eval_perplexity:.1f}")
                    save_checkpoint(accelerator, checkpoints, f"step_{progress.steps}")  # all a resumed run needs
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
        progress.epoch, progress.batches = epoch + 1, 0
        save_checkpoint(accelerator, checkpoints, f"epoch_{epoch}")
    eval_loss, perplexity_end = evaluate()
    if progress.history[-1][0] != progress.steps:
        progress.history.append((progress.steps, eval_loss))

    if upload is not None:
        upload.result()  # the last epoch's model has landed on the Hub before the function returns
    if accelerator.is_main_process:
        scores = {
            "perplexity_before": progress.perplexity_start,
            "perplexity": perplexity_end,
            "eval_loss": eval_loss,
            "steps": progress.steps,
            "scheduler_steps": lr_scheduler.last_epoch,  # how often the scheduler stepped
            "final_learning_rate": lr_scheduler.get_last_lr()[0],
        }
        summary = {
            "accelerate": scores,
            "train_losses": progress.train_losses,
            "eval_history": progress.history,
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
