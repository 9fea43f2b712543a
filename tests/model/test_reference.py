"""The numpy reference is the golden model: it must match torch on the shipped weights."""

import numpy as np
import pytest

from tinychat.domain.builtin import BUILTIN_DOMAINS
from tinychat.model.checkpoint import ModelDirError, load_model_dir
from tinychat.model.reference import ReferenceModel
from tinychat.runtime.parser import builtin_model_dir

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("domain", BUILTIN_DOMAINS)
def test_reference_matches_torch_logits(domain):
    from tinychat.model.llama import TinyLlama

    config, weights, tokenizer, _ = load_model_dir(builtin_model_dir(domain))
    model = TinyLlama(config)
    state = {k: torch.from_numpy(v.copy()) for k, v in weights.items()}
    model.load_state_dict(state)
    ids = tokenizer.prompt_ids("i bought a dozen eggs and 우유 두 병") + tokenizer.encode("inventory_add item=egg")
    with torch.no_grad():
        expected = model(torch.tensor([ids]))[0].numpy()
    reference = ReferenceModel(config, weights)
    np.testing.assert_allclose(reference.forward_all(ids), expected, atol=1e-4, rtol=1e-4)


def test_incremental_decoding_matches_full_forward():
    config, weights, tokenizer, _ = load_model_dir(builtin_model_dir("wearable"))
    reference = ReferenceModel(config, weights)
    ids = tokenizer.prompt_ids("set a timer for ten minutes") + tokenizer.encode("timer_set duration=[ten")
    full = reference.forward_all(ids)
    reference.prefill(ids[:5])
    steps = [reference.extend([t]) for t in ids[5:]]
    np.testing.assert_allclose(np.stack(steps), full[5:], atol=1e-4)


def test_truncated_weights_are_refused(tmp_path):
    source = builtin_model_dir("fridge")
    for name in ("config.json", "tokenizer.json", "domain.json"):
        (tmp_path / name).write_bytes((source / name).read_bytes())
    (tmp_path / "model.safetensors").write_bytes((source / "model.safetensors").read_bytes()[:5000])
    with pytest.raises(ModelDirError, match="model.safetensors"):
        load_model_dir(tmp_path)
