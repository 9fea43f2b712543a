"""Reply texts: the spec's templates first, the dialogue's own defaults where a spec is silent."""

from __future__ import annotations

import random

from tinychat.dialogue.phrasing import first_filled
from tinychat.domain.spec import DomainSpec, ReplyTexts

#: what the dialogue says when a spec does not say it its own way
DEFAULTS: dict[str, ReplyTexts] = {
    "out_of_domain": {"en": "Sorry, I can't help with that. {capabilities}",
                      "ko": "죄송해요, 그건 도와드릴 수 없어요. {capabilities}"},
    "clarify": {"en": "Sorry, I didn't catch that. Could you say it another way?",
                "ko": "죄송해요, 잘 못 알아들었어요. 다르게 말씀해 주시겠어요?"},
    "confirm_destructive": {"en": "Are you sure? Say yes to go ahead.",
                            "ko": "정말 할까요? 맞으면 '네'라고 해 주세요."},
    "cancelled": {"en": "Okay, never mind.", "ko": "알겠어요, 취소할게요."},
    "declined": {"en": "Okay, I'll leave it as it is.", "ko": "알겠어요, 그대로 둘게요."},
    "nothing_pending": {"en": "There's nothing to confirm right now.", "ko": "지금은 확인할 게 없어요."},
    "gave_up": {"en": "Let's leave that for now.", "ko": "그건 일단 넘어갈게요."},
    "reask": {"en": "Sorry, I still need that. {question}", "ko": "죄송해요, 그게 필요해요. {question}"},
    "cannot_revise": {"en": "Sorry, I can't change that one.", "ko": "죄송해요, 그건 바꿀 수 없어요."},
    "done": {"en": "Done.", "ko": "완료했어요."},
    "failed": {"en": "Sorry, that didn't work: {reason}", "ko": "죄송해요, 처리하지 못했어요: {reason}"},
}


class Replies:
    """Picks and fills reply templates for one domain."""

    def __init__(self, spec: DomainSpec, seed: int = 0) -> None:
        self.spec = spec
        self._rng = random.Random(seed)

    def dialogue(self, key: str, lang: str, **values: str) -> str:
        """A dialogue reply ("clarify", "cancelled", ...), the spec's wording when it has one."""
        for source in (self.spec.replies.get(key), DEFAULTS.get(key)):
            text = self._pick(source, lang, values)
            if text is not None:
                return text
        raise KeyError(f"no reply {key!r} in language {lang!r}")

    def intent(self, intent: str, outcome: str, lang: str, values: dict[str, str]) -> str | None:
        """The intent's reply for an outcome, or None when the spec has none that ``values`` can fill."""
        return self._pick(self.spec.intent(intent).replies.get(outcome), lang, values)

    def _pick(self, texts: ReplyTexts | None, lang: str, values: dict[str, str]) -> str | None:
        if not texts:
            return None
        options = texts.get(lang) or texts.get("en")
        if options is None:
            return None
        if isinstance(options, list) and options and all("{" not in o for o in options):
            return self._rng.choice(options)  # plain alternatives: vary them
        return first_filled(options, values)

    def capabilities(self, lang: str) -> str:
        """One sentence of what the assistant does, generated from the intents' descriptions."""
        return self.dialogue("help", lang) if "help" in self.spec.replies else _from_descriptions(self.spec)


def _from_descriptions(spec: DomainSpec) -> str:
    shared = {"confirm", "deny", "cancel", "help", "out_of_domain"}
    actions = [i.description.rstrip(".") for i in spec.intents if i.name not in shared]
    return "I can help with: " + "; ".join(a[0].lower() + a[1:] for a in actions) + "."
