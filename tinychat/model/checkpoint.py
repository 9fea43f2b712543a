"""The model directory: Hugging Face layout plus the domain spec, readable without torch.

    config.json        Llama field names
    model.safetensors  float32 weights (lm_head omitted when tied to the embeddings)
    tokenizer.json     byte-level BPE
    domain.json        the resolved domain spec the model was trained for
    training.json      how it was made (command, seed, corpus size, metrics)
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file, save_file

from tinychat.domain.spec import DomainSpec
from tinychat.model.config import ModelConfig
from tinychat.model.tokenizer import Tokenizer

CONFIG, WEIGHTS, TOKENIZER, DOMAIN, TRAINING = (
    "config.json", "model.safetensors", "tokenizer.json", "domain.json", "training.json",
)


class ModelDirError(ValueError):
    """A model directory is missing a file or holds one that does not fit the others."""


def save_model_dir(out: Path, config: ModelConfig, weights: dict[str, np.ndarray], tokenizer: Tokenizer,
                   spec: DomainSpec, training: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    config.save(out / CONFIG)
    stored = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in weights.items()
              if not (config.tie_word_embeddings and k == "lm_head.weight")}
    save_file(stored, str(out / WEIGHTS), metadata={"format": "pt"})
    (out / TOKENIZER).write_text(tokenizer.json_text, encoding="utf-8")
    write_spec(out, spec)
    (out / TRAINING).write_text(json.dumps(training, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_spec(out: Path, spec: DomainSpec) -> None:
    (out / DOMAIN).write_text(spec.model_dump_json(indent=1, exclude_defaults=True), encoding="utf-8")


#: spec fields only the dialogue reads: changing them needs no retraining
DIALOGUE_FIELDS = ("replies", "prompt", "confirm_unless", "description", "countable", "lead_in", "closed_by")


def refresh_dialogue_spec(path: Path, spec: DomainSpec) -> None:
    """Give a trained model dir ``spec``'s replies and prompts, refusing if anything the model learnt differs."""
    trained = read_spec(path)
    if _training_view(trained) != _training_view(spec):
        raise ModelDirError(f"{path}: the spec differs in more than replies and prompts; retrain the model")
    write_spec(path, spec)


def _training_view(spec: DomainSpec) -> object:
    def strip(node: object) -> object:
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k not in DIALOGUE_FIELDS}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    return strip(spec.model_dump(mode="json"))


def check_model_files(path: Path) -> None:
    """Every file a model directory needs is there (their contents are checked when loaded)."""
    for name in (CONFIG, WEIGHTS, TOKENIZER, DOMAIN):
        if not (path / name).is_file():
            raise ModelDirError(f"{path}: model directory has no {name}")


def read_spec(path: Path) -> DomainSpec:
    """The domain spec a model directory answers with."""
    return DomainSpec.model_validate_json((path / DOMAIN).read_text(encoding="utf-8"))


def load_model_dir(path: Path) -> tuple[ModelConfig, dict[str, np.ndarray], Tokenizer, DomainSpec]:
    """Everything needed to parse with the model, checked for presence and shape."""
    check_model_files(path)
    config = ModelConfig.load(path / CONFIG)
    try:
        weights = load_file(str(path / WEIGHTS))
    except Exception as err:  # safetensors raises its own error types for truncated files
        raise ModelDirError(f"{path / WEIGHTS}: unreadable weights ({err})") from None
    if config.tie_word_embeddings:
        weights["lm_head.weight"] = weights["model.embed_tokens.weight"]
    embed = weights.get("model.embed_tokens.weight")
    if embed is None or embed.shape != (config.vocab_size, config.hidden_size):
        raise ModelDirError(f"{path}: embeddings do not match config.json's vocab_size and hidden_size")
    tokenizer = Tokenizer.load(path / TOKENIZER)
    if tokenizer.vocab_size > config.vocab_size:
        raise ModelDirError(f"{path}: tokenizer has {tokenizer.vocab_size} tokens, model only {config.vocab_size}")
    return config, weights, tokenizer, read_spec(path)
