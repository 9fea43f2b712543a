"""Scripted fridge conversations, English and Korean: every intent, follow-ups, confirmation, cancel, refusal."""

from tinychat import Action


def test_inventory_in_english(fridge, converse):
    converse(fridge, [
        ("I bought a dozen eggs", "inventory_add", "12 eggs"),
        ("we got two bottles of milk", "inventory_add", "two bottles of milk"),
        ("how many eggs do we have?", "inventory_query", "you have 12 eggs"),
        ("I used three eggs", "inventory_remove", "nine eggs left"),
        ("what's in the fridge", "inventory_query", ["nine eggs", "two bottles of milk"]),
        ("we finished the milk", "inventory_remove", "no milk left"),
        ("do we have any butter", "inventory_query", "any butter"),
    ])
    assert {row["item"] for row in fridge.snapshot()["inventory"]} == {"egg"}


def test_inventory_in_korean_uses_counters(fridge, converse):
    converse(fridge, [
        ("우유 두 병 샀어", "inventory_add", "우유 2병"),
        ("계란 10개 넣었어", "inventory_add", "계란 10개"),
        ("우유 있어?", "inventory_query", "우유 2병 있어요"),
        ("계란 다 먹었어", "inventory_remove", "계란이 없어요"),
    ])


def test_expiry_from_the_catalogue_shelf_life(fridge, clock, converse):
    converse(fridge, [
        ("I bought milk", "inventory_add", "milk"),
        ("is the milk still good", "expiry_query", "the milk will keep until november 30 (7 days left)"),
        ("what expires soon", "expiry_query", "nothing goes off"),
        ("I bought 6 eggs", "inventory_add", "eggs"),
        ("when do the eggs expire", "expiry_query", "the eggs will keep until december"),  # plural, no "until on"
    ])
    clock.advance(5 * 86400)
    converse(fridge, [("what's going off soon?", "expiry_query", "milk")])
    clock.advance(3 * 86400)
    converse(fridge, [("is the milk still good?", "expiry_query", "went off")])


def test_follow_up_question_fills_the_missing_item(fridge, converse):
    turns = converse(fridge, [
        ("add to the shopping list", "list_add", "what should i add"),
        ("butter", "list_add", "added butter to the shopping list"),
    ])
    assert turns[0].pending and turns[1].pending is None
    assert fridge.snapshot()["lists"] == {"shopping": [{"item": "butter", "quantity": None}]}


def test_an_item_named_in_answer_is_the_answer_however_the_model_read_it(fridge, converse, monkeypatch):
    """A model may read a lone "butter" as cancel; answering "what should I add?" it is the item."""
    parse = fridge.parser.parse
    monkeypatch.setattr(fridge.parser, "parse", lambda text: Action(text=text, intent="cancel", confidence=0.9)
                        if text == "butter" else parse(text))
    converse(fridge, [
        ("add to the shopping list", "list_add", "what should i add"),
        ("butter", "list_add", "added butter to the shopping list"),
        ("add to the shopping list", "list_add", "what should i add"),
        ("cancel", "cancel", ""),
    ])
    assert fridge.snapshot()["lists"] == {"shopping": [{"item": "butter", "quantity": None}]}


def test_a_number_is_not_taken_as_an_item(fridge, converse):
    converse(fridge, [
        ("add to the shopping list", "list_add", "what should i add"),
        ("3", "list_add", "what should i add"),
        ("milk", "list_add", "added milk"),
    ])
    assert fridge.snapshot()["lists"] == {"shopping": [{"item": "milk", "quantity": None}]}


def test_context_carries_over(fridge, converse):
    converse(fridge, [
        ("add milk to the shopping list", "list_add", "milk"),
        ("and butter?", "list_add", "butter"),
        ("what's on my shopping list", "list_query", ["milk", "butter"]),
        ("I bought 3 eggs", "inventory_add", "three eggs"),
        ("make it two", "inventory_add", "two eggs"),
    ])
    assert [(r["item"], r["quantity"]) for r in fridge.snapshot()["inventory"]] == [("egg", 2)]


def test_clearing_a_list_needs_a_yes(fridge, converse):
    converse(fridge, [
        ("add apples to the shopping list", "list_add", "apples"),
        ("clear the shopping list", "list_clear", "?"),
        ("no", "deny", "leave it"),
    ])
    assert fridge.snapshot()["lists"]["shopping"]
    converse(fridge, [
        ("clear the shopping list", "list_clear", "?"),
        ("yes", "list_clear", "cleared"),
    ])
    assert not fridge.snapshot()["lists"].get("shopping")


def test_only_a_yes_clears_a_list_however_the_model_read_the_answer(fridge, converse, monkeypatch):
    """A model may read a lone item or "and butter?" as confirm; neither is a yes to clearing a list."""
    parse = fridge.parser.parse
    monkeypatch.setattr(fridge.parser, "parse", lambda text: Action(text=text, intent="confirm", confidence=0.97)
                        if text in ("butter", "and butter?", "make it two") else parse(text))
    converse(fridge, [
        ("butter", "out_of_domain", "?"),  # nothing asked: not "nothing to confirm" but "say again?"
        ("add apples to the shopping list", "list_add", "apples"),
        ("clear the shopping list", "list_clear", "?"),
        ("butter", "list_clear", "?"),
        ("and butter?", "list_add", "butter"),
        ("clear the shopping list", "list_clear", "?"),
        ("make it two", "list_add", "two"),
    ])
    assert fridge.snapshot()["lists"] == {"shopping": [{"item": "apple", "quantity": None},
                                                       {"item": "butter", "quantity": 2}]}


def test_korean_confirmation_and_lists(fridge, converse):
    converse(fridge, [
        ("장보기 목록에 두부 추가해 줘", "list_add", "두부"),
        ("장보기 목록 보여 줘", "list_query", "두부"),
        ("장보기 목록 다 지워 줘", "list_clear", "지울까요"),
        ("네", "list_clear", "지웠어요"),
    ])


def test_cancel_drops_the_pending_question(fridge, converse):
    turn = fridge.handle("add to the shopping list")
    assert turn.pending
    converse(fridge, [("never mind", "cancel", "never mind")])
    assert fridge.handle("butter").action.intent != "list_add" or fridge.snapshot()["lists"] == {}


def test_list_remove_and_named_lists(fridge, converse):
    converse(fridge, [
        ("put chips on the party list", "list_add", "party list"),
        ("add eggs to the shopping list", "list_add", "shopping list"),
        ("what lists do I have", "list_query", ["party", "shopping"]),
        ("take eggs off the shopping list", "list_remove", "took eggs off"),
    ])


def test_remove_it_from_the_list_takes_off_what_was_just_added(fridge, converse):
    """Not a clearing of the whole list, which the model before read it as."""
    converse(fridge, [
        ("add milk to the shopping list", "list_add", "milk"),
        ("add eggs to the shopping list", "list_add", "eggs"),
        ("remove it from the list", "list_remove", "eggs"),
    ])
    assert [row["item"] for row in fridge.snapshot()["lists"]["shopping"]] == ["milk"]


def test_help_and_refusal(fridge, converse):
    converse(fridge, [
        ("what can you do?", "help", "fridge"),
        ("what's the weather tomorrow", "out_of_domain", "lists"),
        ("뭐 할 수 있어?", "help", "냉장고"),
        ("오늘 날씨 어때", "out_of_domain", "냉장고"),
    ])


def test_reply_language_follows_the_utterance(fridge, converse):
    assert fridge.handle("I bought milk").lang == "en"
    assert fridge.handle("우유 샀어").lang == "ko"


def test_korean_correction_and_follow_up(fridge, converse):
    converse(fridge, [
        ("우유 한 병 샀어", "inventory_add", "우유 1병"),
        ("아니 두 병으로 해 줘", "inventory_add", "우유 2병"),
        ("목록에 추가해 줘", "list_add", "뭘 추가할까요"),
        ("버터", "list_add", "버터"),
    ])
    assert [(r["item"], r["quantity"]) for r in fridge.snapshot()["inventory"]] == [("milk", 2)]


def test_every_fridge_intent_in_korean(fridge, converse):
    converse(fridge, [
        ("우유 샀어", "inventory_add", "우유"),
        ("우유 언제까지 먹어도 돼?", "expiry_query", "7일 남았어요"),
        ("곧 상하는 거 있어?", "expiry_query", "없어요"),
        ("장보기 목록에 사과 추가해 줘", "list_add", "사과"),
        ("장보기 목록에서 사과 빼 줘", "list_remove", "사과를 뺐어요"),
        ("장보기 목록에 추가해 줘", "list_add", "뭘 추가할까요"),
        ("취소", "cancel", "취소"),
    ])
    assert fridge.snapshot()["lists"] == {"shopping": []}


def test_several_things_in_one_utterance(fridge, converse):
    turns = converse(fridge, [
        ("I bought a dozen eggs and two bottles of milk", "inventory_add", ["12 eggs", "two bottles of milk"]),
        ("계란 두 개랑 우유 한 병 먹었어", "inventory_remove", ["계란 10개", "우유 1병"]),
        ("add to the shopping list", "list_add", "what should i add"),
        ("butter and cheese", "list_add", ["butter", "cheese"]),
        ("what's on the shopping list", "list_query", ["butter", "cheese"]),
    ])
    assert [(a.intent, a.slots) for a in turns[0].more_actions] == [
        ("inventory_add", {"quantity": 2, "unit": "bottle", "item": "milk"})]
    assert {(row["item"], row["quantity"]) for row in fridge.snapshot()["inventory"]} == {("egg", 10), ("milk", 1)}
    assert [row["item"] for row in fridge.snapshot()["lists"]["shopping"]] == ["butter", "cheese"]


def test_adding_one_thing_and_removing_another_keeps_the_added_one(fridge, converse):
    converse(fridge, [
        ("add eggs and bread to the list", "list_add", ["eggs", "bread"]),
        ("add milk and remove eggs from the list", "list_add", ["added milk", "took eggs off"]),
    ])
    assert [row["item"] for row in fridge.snapshot()["lists"]["shopping"]] == ["bread", "milk"]


def test_replies_to_several_things_say_the_sentence_once(fridge):
    assert fridge.handle("put bread, butter and jam on the shopping list").reply == (
        "Added bread, butter and jam to the shopping list.")
    assert fridge.handle("I bought 2 apples and 3 pears").reply == (
        "Added two apples and three pears to the fridge. You have two apples and three pears now.")
    assert fridge.handle("장보기 목록에서 빵이랑 잼 빼 줘").reply == "장보기 목록에서 빵, 잼을 뺐어요."
    # different outcomes (one taken out, one not there) stay two sentences
    assert fridge.handle("we're out of apples and milk").reply == (
        "Okay, no apples left in the fridge. I don't see any milk in the fridge to take out.")


def test_food_that_is_not_counted_reads_in_its_container(fridge, converse):
    converse(fridge, [
        ("I bought jam", "inventory_add", "added one jar of jam"),
        ("I bought 2 jars of jam", "inventory_add", "you have three jars of jam now"),  # one container, summed
        ("add cheese to the shopping list", "list_add", "added cheese to the shopping list"),
        ("I bought 2 bottles of milk", "inventory_add", "two bottles of milk"),
        ("I bought milk", "inventory_add", "one carton of milk"),
        ("what's in the fridge", "inventory_query",  # one list, no "and" inside an item
         "in the fridge: three jars of jam, two bottles of milk and one carton of milk."),
    ])


def test_a_count_of_pieces_never_empties_a_container_of_unknown_size(fridge, converse):
    converse(fridge, [
        ("계란 한 판 샀어", "inventory_add", "계란 1판"),
        ("계란 세 개 먹었어", "inventory_remove", "그대로"),  # a tray is not three eggs: kept, and said so
        ("I bought 6 eggs", "inventory_add", "six eggs and one tray of eggs"),
        ("I used 3 eggs", "inventory_remove", "three eggs and one tray of eggs left"),  # from the loose eggs
        ("I bought 2 bottles of milk", "inventory_add", "two bottles of milk"),
        ("I drank 1 milk", "inventory_remove", "one bottle of milk left"),  # milk is counted in its bottles
    ])
    stock = {(row["item"], row["unit"]): row["quantity"] for row in fridge.snapshot()["inventory"]}
    assert stock == {("egg", "tray"): 1, ("egg", None): 3, ("milk", "bottle"): 1}


def test_a_or_an_takes_one_and_no_count_takes_all(fridge, converse):
    converse(fridge, [
        ("I bought 6 eggs", "inventory_add", "six eggs"),
        ("I used an egg.", "inventory_remove", "five eggs left"),  # the model copies no count for "an"
        ("I bought 3 bottles of milk", "inventory_add", "three bottles of milk"),
        ("I drank a bottle of milk", "inventory_remove", "two bottles of milk left"),
        ("we finished the milk", "inventory_remove", "no milk left"),
        ("계란 하나 먹었어", "inventory_remove", "계란 4개 남았어요"),
    ])
