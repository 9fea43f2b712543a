"""The assistant runs the same on a compiled bundle (TVM runtime) as on the reference backend."""

import pytest

from tinychat.compiler.build import compile_bundle
from tinychat.compiler.targets import resolve_target
from tinychat.dialogue import Assistant
from tinychat.runtime.parser import builtin_model_dir

SCRIPT = ["set a timer for 5 minutes", "wake me up at 7 tomorrow", "remind me to call mom", "at 6 pm",
          "what alarms do I have", "cancel all alarms", "yes", "10분 타이머 맞춰 줘", "play some music"]


@pytest.mark.slow
def test_a_conversation_on_a_q8_bundle_matches_the_reference(tmp_path, clock):
    bundle = tmp_path / "wearable-host-q8"
    compile_bundle(builtin_model_dir("wearable"), resolve_target("host"), "q8", bundle, progress=lambda _: None)
    with Assistant.load("wearable", tmp_path / "ref", clock=clock, backend="reference") as reference, \
            Assistant.load(bundle=bundle, state_dir=tmp_path / "native", clock=clock) as native:
        for text in SCRIPT:
            expected, got = reference.handle(text), native.handle(text)
            assert (got.reply, got.action) == (expected.reply, expected.action), text
