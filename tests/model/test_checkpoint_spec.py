"""The shipped models carry the built-in specs they answer with; replies and prompts change without retraining."""

import pytest

from tinychat.domain.builtin import BUILTIN_DOMAINS, builtin_spec
from tinychat.model.checkpoint import ModelDirError, load_model_dir, read_spec, refresh_dialogue_spec
from tinychat.runtime.host_bundle import BUNDLES
from tinychat.runtime.parser import builtin_model_dir


@pytest.mark.parametrize("domain", BUILTIN_DOMAINS)
def test_shipped_model_spec_matches_the_builtin_yaml(domain):
    spec = load_model_dir(builtin_model_dir(domain))[3]
    assert spec == builtin_spec(domain), (
        "the shipped model's domain.json drifted from the YAML; after editing replies or prompts run "
        "refresh_dialogue_spec(builtin_model_dir(d), builtin_spec(d)) (anything else needs retraining)"
    )


@pytest.mark.parametrize("domain", BUILTIN_DOMAINS)
def test_shipped_bundles_answer_with_the_builtin_yaml(domain):
    """A device runs the bundle alone: a reply added to the YAML but not to its bundles is never said."""
    bundles = sorted((builtin_model_dir(domain) / BUNDLES).iterdir())
    assert bundles
    for bundle in bundles:
        assert read_spec(bundle) == builtin_spec(domain), f"{bundle.name}: rebuild it (tinychat compile)"


def test_refreshing_refuses_a_spec_the_model_was_not_trained_on(tmp_path):
    import shutil

    shutil.copytree(builtin_model_dir("fridge"), tmp_path / "m")
    changed = builtin_spec("fridge").model_copy(update={"near_misses": {}})
    with pytest.raises(ModelDirError, match="retrain"):
        refresh_dialogue_spec(tmp_path / "m", changed)
