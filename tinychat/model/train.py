"""Training: spec → corpus → tokenizer → tiny Llama → model directory. Needs torch (the `train` extra)."""

from __future__ import annotations

import math
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from tinychat.data.synth import CorpusBuilder, Example
from tinychat.domain.spec import DomainSpec
from tinychat.model.checkpoint import save_model_dir
from tinychat.model.config import ModelConfig
from tinychat.model.tokenizer import Tokenizer
from tinychat.model.tokenizer_training import train_tokenizer


class TrainConfig(BaseModel):
    """How a model is trained; the shipped models record theirs in training.json."""

    model_config = ConfigDict(extra="forbid")

    seed: int = 0
    #: keep held-out templates out of training, so `tinychat corpus --split test` measures generalisation;
    #: false for models that ship, which should learn every phrasing the spec has
    hold_out_templates: bool = True
    corpus_size: int = Field(default=320_000, ge=100)
    vocab_size: int = Field(default=2048, ge=300)
    hidden_size: int = 192
    intermediate_size: int = 512
    num_hidden_layers: int = 4
    num_attention_heads: int = 6
    num_key_value_heads: int = 2
    max_positions: int = 128
    steps: int = Field(default=6000, ge=1)
    batch_size: int = 96
    learning_rate: float = 3e-3
    warmup_steps: int = 100
    weight_decay: float = 0.05
    #: save an exponential moving average of the weights after warm-up instead of the last step's
    #: (None: the last step's); 0.998 averages about the last 500 steps
    ema_decay: float | None = Field(default=0.998, gt=0, lt=1)
    threads: int | None = None
    device: str = "auto"

    def model_shape(self, vocab_size: int) -> ModelConfig:
        return ModelConfig(
            vocab_size=vocab_size,
            hidden_size=self.hidden_size,
            intermediate_size=self.intermediate_size,
            num_hidden_layers=self.num_hidden_layers,
            num_attention_heads=self.num_attention_heads,
            num_key_value_heads=self.num_key_value_heads,
            max_position_embeddings=self.max_positions,
        )


#: tiny settings for tests of the training path: seconds, not minutes
MICRO = TrainConfig(corpus_size=600, vocab_size=400, hidden_size=32, intermediate_size=64,
                    num_hidden_layers=1, num_attention_heads=2, num_key_value_heads=1, steps=20, batch_size=16,
                    warmup_steps=2, ema_decay=None)

Progress = Callable[[str], None]


def encode_example(tokenizer: Tokenizer, example: Example, max_len: int) -> tuple[list[int], int] | None:
    """Token ids of prompt + target + </s>, and where the target starts; None if too long."""
    prompt = tokenizer.prompt_ids(example.text)
    ids = prompt + tokenizer.encode(example.target) + [tokenizer.eos_id]
    return (ids, len(prompt)) if len(ids) <= max_len else None


def train(spec: DomainSpec, out: Path, config: TrainConfig, negatives: list[DomainSpec] = (),  # type: ignore[assignment]
          progress: Progress | None = None, command: str = "") -> dict:
    """Train a model for ``spec`` into ``out``; returns the metrics written to training.json."""
    import torch
    from torch.nn import functional as F

    from tinychat.model.llama import TinyLlama

    say = progress or (lambda line: print(line, file=sys.stderr))
    started = time.time()
    if config.threads:
        torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    device = ("cuda" if torch.cuda.is_available() else "cpu") if config.device == "auto" else config.device

    say(f"synthesising {config.corpus_size} examples for domain {spec.name!r} (seed {config.seed})")
    builder = CorpusBuilder(spec, negatives)
    corpus = builder.build(config.corpus_size, config.seed, "train" if config.hold_out_templates else "all")
    say("training tokenizer")
    tokenizer = train_tokenizer((t for e in corpus for t in (" " + e.text, e.target)), config.vocab_size)
    encoded = [enc for e in corpus if (enc := encode_example(tokenizer, e, config.max_positions))]
    model_config = config.model_shape(tokenizer.vocab_size)
    model = TinyLlama(model_config).to(device)
    say(f"model: {model.parameter_count() / 1e6:.2f} M parameters, vocab {tokenizer.vocab_size}, device {device}")

    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    optimiser = torch.optim.AdamW(
        [{"params": decay, "weight_decay": config.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=config.learning_rate, betas=(0.9, 0.98),
    )
    rng = random.Random(config.seed)
    loss_avg = None
    average = MovingAverage(config.ema_decay) if config.ema_decay is not None else None
    for step in range(1, config.steps + 1):
        lr = _learning_rate(config, step)
        for group in optimiser.param_groups:
            group["lr"] = lr
        ids, labels, segments = (tensor.to(device) for tensor in _packed(
            [encoded[rng.randrange(len(encoded))] for _ in range(config.batch_size)], tokenizer.pad_id))
        # the loss is on the target only, so the vocabulary projection runs on those positions alone
        scored = labels[:, 1:] != -100
        logits = model.lm_head(model.hidden_states(ids, segments)[:, :-1][scored])
        loss = F.cross_entropy(logits, labels[:, 1:][scored])
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimiser.step()
        if average is not None and step >= config.warmup_steps:
            average.update(model.state_dict())
        loss_avg = loss.item() if loss_avg is None else 0.95 * loss_avg + 0.05 * loss.item()
        if step % 50 == 0 or step == config.steps:
            elapsed = time.time() - started
            eta = elapsed / step * (config.steps - step)
            say(f"step {step}/{config.steps}  loss {loss_avg:.4f}  lr {lr:.2e}  "
                f"elapsed {elapsed:.0f}s  eta {eta:.0f}s")

    final = average.weights if average is not None and average.weights else model.state_dict()
    weights = {k: v.detach().float().cpu().numpy() for k, v in final.items()}
    metrics = {
        "command": command,
        "seed": config.seed,
        "train_config": config.model_dump(),
        "parameters": model.parameter_count(),
        "corpus_examples": len(encoded),
        "final_loss": round(loss_avg or 0.0, 5),
        "train_seconds": round(time.time() - started, 1),
        "device": device,
    }
    save_model_dir(out, model_config, weights, tokenizer, spec, metrics)
    say(f"saved model to {out}")
    return metrics


class MovingAverage:
    """An exponential moving average of a model's weights. The average of the last few hundred steps
    generalised better than the last step alone: on the same run, it read more of SLURP and of our
    held-out templates (README, "Training")."""

    def __init__(self, decay: float) -> None:
        self.decay = decay
        self.weights: dict = {}

    def update(self, state: dict) -> None:
        import torch

        with torch.no_grad():
            for name, value in state.items():
                if name in self.weights:
                    self.weights[name].lerp_(value, 1 - self.decay)
                else:
                    self.weights[name] = value.detach().clone()


def _learning_rate(config: TrainConfig, step: int) -> float:
    if step <= config.warmup_steps:
        return config.learning_rate * step / config.warmup_steps
    progress = (step - config.warmup_steps) / max(1, config.steps - config.warmup_steps)
    return config.learning_rate * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * progress)))


def _packed(batch: list[tuple[list[int], int]], pad: int):  # noqa: ANN202
    """Token ids of the batch laid end to end in rows as wide as its longest example, labels that are
    -100 except on the targets, and each token's example number (-1 on padding) so that attention
    stays within an example. Padded one a row, a batch of random utterances (mean 13 tokens) was
    padded to 41: two thirds of every step went to padding. Sorting batches by length instead cost
    accuracy on short trainings, since a batch of one length is a batch of one kind of request."""
    import torch

    width = max(len(ids) for ids, _ in batch)
    rows: list[list[int]] = []  # example numbers per row, longest first, each in the first row it fits
    room: list[int] = []
    for number in sorted(range(len(batch)), key=lambda n: -len(batch[n][0])):
        length = len(batch[number][0])
        row = next((r for r, free in enumerate(room) if free >= length), None)
        if row is None:
            rows.append([])
            room.append(width)
            row = len(rows) - 1
        rows[row].append(number)
        room[row] -= length
    ids = np.full((len(rows), width), pad, dtype=np.int64)
    labels = np.full((len(rows), width), -100, dtype=np.int64)
    segments = np.full((len(rows), width), -1, dtype=np.int64)
    for row, numbers in enumerate(rows):
        at = 0
        for number in numbers:
            seq, target_start = batch[number]
            ids[row, at : at + len(seq)] = seq
            labels[row, at + target_start : at + len(seq)] = seq[target_start:]
            segments[row, at : at + len(seq)] = number
            at += len(seq)
    return torch.from_numpy(ids), torch.from_numpy(labels), torch.from_numpy(segments)
