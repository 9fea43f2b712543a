import pytest

from tinychat.domain.action import Span, TargetError, format_target, parse_target, resolve_action
from tinychat.domain.builtin import builtin_spec


def test_target_round_trip():
    slots = {"item": Span("eggs"), "quantity": Span("a dozen")}
    target = format_target("inventory_add", slots)
    assert target == "inventory_add item=[eggs] quantity=[a dozen]"
    assert parse_target(target) == ("inventory_add", slots)


@pytest.mark.parametrize(
    "bad", ["", "Inventory", "inventory_add item=", "inventory_add item=egg", "inventory_add quantity=[12", "x y"]
)
def test_unreadable_targets_raise(bad):
    with pytest.raises(TargetError):
        parse_target(bad)


def test_resolve_normalises_and_checks_against_the_spec():
    spec = builtin_spec("fridge")
    action = resolve_action(spec, "inventory_add item=[eggs] quantity=[a dozen] unit=[cartons]")
    assert action.intent == "inventory_add"
    assert action.slots == {"item": "egg", "quantity": 12, "unit": "carton"}
    assert resolve_action(spec, "inventory_add item=[게란을] quantity=[두 개]").slots == {"item": "egg", "quantity": 2}


@pytest.mark.parametrize("utterance, quantity", [("양파 네 트레이 샀어요", "네"), ("두부 한 모 넣었어", "한")])
def test_a_korean_numeral_in_its_counter_form_is_read_with_the_word_after_it(utterance, quantity):
    """Bare "네" is "yes"; before a counter or unit it is four."""
    spec = builtin_spec("fridge")
    action = resolve_action(spec, f"inventory_add item=[양파] quantity=[{quantity}]", utterance=utterance)
    assert action.slots["quantity"] == {"네": 4, "한": 1}[quantity]
    assert "quantity" not in resolve_action(spec, "inventory_add item=[양파] quantity=[네]").slots


@pytest.mark.parametrize(
    ("utterance", "target", "quantity"),
    [("두부 꺼냈어요", "inventory_remove item=[두부] quantity=[두]", None),  # tofu, not two copies ("부")
     ("백미 샀어", "inventory_add item=[백미] quantity=[백미]", None),  # white rice, not a hundred
     ("두부 두 모 샀어", "inventory_add item=[두부] quantity=[두]", 2)],  # the copy is the whole word "두"
)
def test_a_food_name_that_reads_like_a_count_is_no_count(utterance, target, quantity):
    action = resolve_action(builtin_spec("fridge"), target, utterance=utterance)
    assert action.slots.get("quantity") == quantity


def test_resolve_drops_values_that_are_not_of_the_slot_type():
    spec = builtin_spec("fridge")
    action = resolve_action(spec, "inventory_add item=[unicorn] quantity=[lots]")
    assert action.slots == {}


def test_open_catalogue_keeps_free_text_and_maps_known_names():
    spec = builtin_spec("fridge")
    assert resolve_action(spec, "list_add item=[paper towels]").slots == {"item": "paper towels"}
    assert resolve_action(spec, "list_add item=[계란]").slots == {"item": "egg"}


@pytest.mark.parametrize("words", ["to", "the", "some", "그거"])
def test_free_text_of_only_function_words_is_no_value(words):
    """"add to the shopping list" with "to" copied as the item adds nothing: the dialogue asks what."""
    spec = builtin_spec("fridge")
    utterance = f"add {words} the shopping list"
    action = resolve_action(spec, f"list_add item=[{words}] list=[shopping list]", utterance=utterance)
    assert action.slots == {"list": "shopping"}


def test_unknown_intent_is_out_of_domain():
    assert resolve_action(builtin_spec("wearable"), "inventory_add item=[egg]").intent == "out_of_domain"


@pytest.mark.parametrize(
    ("words", "entity"),
    [("eggs", "egg"), ("계란", "egg"), ("달걀을", "egg"), ("게란", "egg"), ("strawbery", "strawberry"),
     ("the butter", "butter"), ("멸치 볶음", "stir_fried_anchovies"), ("멸치볶음", "stir_fried_anchovies"),
     ("green onions", "green_onion"), ("yoghurt", "yogurt"), ("rain", None), ("call mom", None)],
)
def test_copied_names_resolve_to_catalogue_ids(words, entity):
    from tinychat.domain.entities import resolve_entity

    assert resolve_entity(builtin_spec("fridge").catalogues["food"], words) == entity


@pytest.mark.parametrize(
    ("copied", "utterance", "snapped"),
    [("clean the gut", "remind me to clean the gutters", "clean the gutters"),
     ("ppointment", "a dentist appointment", "appointment"),
     ("7시", "7시에 깨워줘", "7시"),  # a particle left out stays out
     ("7", "7시에 깨워줘", "7시에"),
     ("병", "우유 2병 넣었어", "병")],  # a counter is not widened into the number before it
)
def test_spans_snap_to_whole_words(copied, utterance, snapped):
    from tinychat.domain.action import snap_to_words

    assert snap_to_words(Span(copied), utterance).text == snapped


def test_a_free_text_copy_keeps_its_quotation_ending():
    from tinychat.domain.action import snap_to_words

    assert snap_to_words(Span("빨래 널"), "빨래 널라고 알려 줘", free_text=True).text == "빨래 널라고"
    assert snap_to_words(Span("빨래 널"), "빨래 널라고 알려 줘").text == "빨래 널"


@pytest.mark.parametrize(
    ("target", "utterance", "task"),
    [("reminder_set task=[일 우유 사라고] date=[내일]", "내일 우유 사라고 알려줘", "우유 사기"),
     ("reminder_set task=[buy milk tom] date=[tomorrow]", "remind me to buy milk tomorrow", "buy milk"),
     ("reminder_set task=[call mom at 6] time=[6]", "remind me to call mom at 6", "call mom at 6"),
     ("reminder_set time=[6 pm] task=[pm]", "remind me at 6 pm to call mom", "call mom")],  # its lead-in, "to"
)
def test_a_free_text_copy_leaves_out_what_another_slot_copied(target, utterance, task):
    from tinychat.domain.action import resolve_action

    action = resolve_action(builtin_spec("wearable"), target, utterance=utterance)
    assert action.slots.get("task") == task


def test_a_free_text_copy_of_another_slots_words_is_nothing():
    from tinychat.domain.action import resolve_action

    action = resolve_action(builtin_spec("fridge"), "list_add item=[lemons] quantity=[two] list=[two]",
                            utterance="add two lemons to the list")
    assert action.slots == {"item": "lemon", "quantity": 2}
    action = resolve_action(builtin_spec("fridge"), "list_add item=[lemons] list=[costco]",
                            utterance="add lemons to costco")
    assert action.slots == {"item": "lemon", "list": "costco"}


def test_a_copy_that_names_another_kind_is_no_misspelling():
    from tinychat.domain.action import resolve_action

    spec = builtin_spec("fridge")
    action = resolve_action(spec, "inventory_add item=[bunch]", utterance="i picked up a bunch of green onions")
    assert action.slots == {"unit": "bunch"}  # a unit, not "buchu" (garlic chive); the parser finds the name said
    action = resolve_action(spec, "inventory_add item=[bag] unit=[box]", utterance="a box of eggs and a bag")
    assert action.slots == {"unit": "box"}  # the model's own copy of the unit stands
    action = resolve_action(spec, "inventory_add item=[chese]", utterance="i bought chese")
    assert action.slots == {"item": "cheese"}


def test_words_copied_for_two_slots_belong_to_the_one_they_name():
    from tinychat.domain.action import resolve_action

    spec = builtin_spec("fridge")
    said = "장보기 목록에 추가해 줘"
    action = resolve_action(spec, "list_add list=[장보기 목록] item=[장보기 목록]", utterance=said)
    assert action.slots == {"list": "shopping"}  # a list's name, not an item of the open food catalogue
    said = "add two lemons to the list"
    action = resolve_action(spec, "list_add quantity=[two] list=[two] item=[lemons]", utterance=said)
    assert action.slots == {"quantity": 2, "item": "lemon"}  # no list is called "two": the count keeps it


def test_a_copy_cut_from_a_word_is_no_misspelling():
    from tinychat.domain.action import resolve_action

    spec = builtin_spec("fridge")
    action = resolve_action(spec, "inventory_add item=[장]", utterance="냉장고에 추가해 줘")
    assert "item" not in action.slots  # "장고에" is one letter from "망고" (mango), but it is the fridge
    action = resolve_action(spec, "inventory_add item=[망고]", utterance="냉동망고 샀어")
    assert action.slots == {"item": "mango"}  # a name inside a compound stands
    action = resolve_action(spec, "inventory_add item=[게란]", utterance="게란 샀어")
    assert action.slots == {"item": "egg"}  # a whole misspelt word is still read


@pytest.mark.parametrize(("target", "utterance", "item"), [
    ("inventory_add unit=[carton] item=[orange]", "i put a carton of orange juice in the fridge", "orange_juice"),
    ("inventory_add item=[cabbage]", "tossed a head of napa cabbage in the crisper drawer", "napa_cabbage"),
    ("list_add item=[pork]", "can you add pork belly to costco", "pork_belly"),
    ("list_add item=[milk]", "add milk and eggs to the list", "milk"),  # no wider name: the copy stands
    ("list_add item=[orange]", "add an orange to the list", "orange"),
])
def test_a_name_is_read_whole_around_its_copy(target, utterance, item):
    from tinychat.domain.action import resolve_action

    assert resolve_action(builtin_spec("fridge"), target, utterance=utterance).slots["item"] == item


def test_a_copy_inside_another_is_nothing():
    from tinychat.domain.action import outside_of

    assert outside_of(Span("pm"), [Span("6 pm")], "remind me at 6 pm to call mom").text == ""


@pytest.mark.parametrize(
    ("target", "utterance", "slots"),
    [("reminder_set time=[9 am]", "remind me at 9 am to eat lunch", {"time": "09:00", "task": "eat lunch"}),
     ("reminder_set time=[9 pm] task=[pills]", "remind me every day at 9 pm to take my pills",
      {"time": "21:00", "task": "take my pills"}),
     ("reminder_set task=[go to the gym] time=[9]", "remind me to go to the gym at 9",
      {"task": "go to the gym", "time": "09:00"}),
     ("reminder_set time=[5]", "i need to leave at 5 remind me", {"task": "leave", "time": "05:00"}),
     ("reminder_set time=[5]", "remind me at 5", {"time": "05:00"}),
     ("reminder_set task=[john at] time=[6]", "remind me to meet john at 6", {"task": "meet john", "time": "06:00"}),
     ("reminder_set task=[eat lunch at noon]", "remind me to eat lunch at noon",  # the time said with the task
      {"task": "eat lunch", "time": "12:00"}),
     ("reminder_set task=[pick up the kids at school]", "remind me to pick up the kids at school",
      {"task": "pick up the kids at school"}),
     ("reminder_set time=[6 pm] task=[about]", "remind me at 6 pm about my dentist appointment",
      {"time": "18:00", "task": "my dentist appointment"}),  # the copy was the lead-in word alone
     ("reminder_set time=[6 pm] task=[about my]", "remind me at 6 pm about my dentist appointment",
      {"time": "18:00", "task": "my dentist appointment"}),  # the lead-in and a part
     ("reminder_set time=[20] task=[water the plants]", "remind me in 20 hours to water the plants",
      {"task": "water the plants"}),  # a delay is no clock time
     ("reminder_set time=[9 am] date=[tomorrow]", "remind me about the meeting tomorrow at 9 am",
      {"time": "09:00", "date": "tomorrow", "task": "the meeting"}),
     ("reminder_set task=[ask about the rent]", "remind me to ask about the rent", {"task": "ask about the rent"}),
     ("reminder_set time=[8 pm] task=[set a]", "set a reminder for 8 pm to walk the dog",
      {"time": "20:00", "task": "walk the dog"}),  # the copy lies before the lead-in
     ("reminder_set task=[go to the gym]", "go to the gym reminder", {"task": "go to the gym"}),  # "to" inside it
     ("reminder_set task=[ee]", "i need to remember to email john", {"task": "email john"}),  # "to" again
     ("reminder_set task=[five minutes to t]", "remind me in five minutes to turn off the stove",
      {"task": "turn off the stove"}),  # the delay cut first, the rest is the lead-in and a part
     ("reminder_cancel", "cancel my reminder to call mom", {})],  # only reminder_set's task has a lead-in
)
def test_a_missing_or_partial_task_is_read_after_its_lead_in(target, utterance, slots):
    from tinychat.domain.action import resolve_action

    assert resolve_action(builtin_spec("wearable"), target, utterance=utterance).slots == slots


@pytest.mark.parametrize(
    ("target", "utterance", "slots"),
    [("reminder_set time=[오후 3시] task=[택배 찾으러]", "오후 3시에 택배 찾으러 가라고 알려줘",
      {"time": "15:00", "task": "택배 찾으러 가기"}),  # one word short of the closing word
     ("reminder_set date=[모레] task=[화분]", "모레 화분 분갈이하라고 알려줘",
      {"date": "day_after_tomorrow", "task": "화분 분갈이하기"}),
     ("reminder_set time=[밤 10시] task=[려줘]", "밤 10시에 베란다 문 닫으라고 알려줘",
      {"time": "22:00", "task": "베란다 문 닫기"}),  # a copy past the closing word: from after the time
     ("reminder_set", "꼭 약 먹으라고 알려 줘", {"task": "약 먹기"}),  # no copy: the opener is left out
     ("reminder_set date=[할로윈] task=[가라고]", "할로윈은 병원 가라고 리마인드 해 줘",
      {"date": "10-31", "task": "병원 가기"}),  # the verb alone
     ("reminder_set time=[정오] task=[아]", "아 정오에 일기 쓰기 알림 맞춰 줘",
      {"time": "12:00"}),  # a filler names nothing
     ("reminder_set task=[약 먹기]", "약 먹기 잊지 말라고 알려 줘", {"task": "약 먹기"}),  # a whole copy stands
     ("reminder_set task=[택배]", "택배 찾으러 가라고 알려줘", {"task": "택배"}),  # two words short: it stands
     ("reminder_set task=[call mom]", "remind me to call mom", {"task": "call mom"}),  # English closes on none
     ("reminder_set task=[20분 뒤에 엄마한테 전화하라고]", "20분 뒤에 엄마한테 전화하라고 알려 줘",
      {"task": "엄마한테 전화하기"}),  # the delay said first is no part of the task
     ("reminder_set task=[내일 우유 사라고]", "내일 우유 사라고 알려 줘", {"task": "우유 사기", "date": "tomorrow"}),
     ("reminder_set time=[한 시간] task=[라고 알려]", "한 시간 뒤에 약 먹으라고 알려 줘",
      {"task": "약 먹기"}),  # a copy from inside the closing word; "한 시간" is a delay, no clock time
     ("reminder_set date=[오늘] task=[고 알려 ]", "오늘 지갑 챙기라고 알려 줘",
      {"date": "today", "task": "지갑 챙기기"}),
     ("reminder_set task=[은행 가]", "은행 가는 거 잊지 않게 알려줘", {"task": "은행 가기"}),  # "-는 거"
     ("reminder_set date=[내일] task=[갑 챙기라고]", "내일 지갑 챙기라고 알려 줘",
      {"date": "tomorrow", "task": "지갑 챙기기"}),  # a syllable cut off the first word
     ("reminder_set task=[two coffees]", "remind me about two coffees", {"task": "two coffees"}),  # a count
     ("reminder_set task=[check the oven in 10 minutes]", "remind me to check the oven in 10 minutes",
      {"task": "check the oven"}),  # the delay said last: the dialogue reads it
     ("reminder_set task=[call mom an hour from now]", "remind me to call mom an hour from now", {"task": "call mom"}),
     ("reminder_set task=[빨래 꺼내기 10분 뒤에]", "빨래 꺼내기 10분 뒤에 알려 줘", {"task": "빨래 꺼내기"}),
     ("reminder_set task=[meditate for 10 minutes]", "remind me to meditate for 10 minutes",
      {"task": "meditate for 10 minutes"}),  # how long is part of the task
     ("reminder_set task=[check in with sam]", "remind me to check in with sam", {"task": "check in with sam"})],
)
def test_a_quoted_task_runs_to_its_closing_word(target, utterance, slots):
    from tinychat.domain.action import resolve_action

    assert resolve_action(builtin_spec("wearable"), target, utterance=utterance).slots == slots


@pytest.mark.parametrize(
    ("target", "utterance", "slots"),
    [("reminder_set task=[eat lunch]", "remind me at noon to eat lunch", {"task": "eat lunch", "time": "12:00"}),
     ("alarm_set", "wake me up at half past six please", {"time": "06:30"}),
     ("reminder_set task=[look at the stars]", "remind me to look at the stars", {"task": "look at the stars"}),
     ("reminder_set time=[9 am] task=[meet john]", "remind me at 9 am to meet john at 6",
      {"time": "09:00", "task": "meet john at 6"})],  # the time slot is taken already
)
def test_a_time_said_after_at_fills_an_empty_time(target, utterance, slots):
    from tinychat.domain.action import resolve_action

    assert resolve_action(builtin_spec("wearable"), target, utterance=utterance).slots == slots


@pytest.mark.parametrize(
    ("target", "utterance", "slots"),
    [("reminder_set task=[the meeting tomorrow]", "remind me about the meeting tomorrow",
      {"task": "the meeting", "date": "tomorrow"}),
     ("reminder_set task=[the team lunch on friday]", "remind me about the team lunch on friday",
      {"task": "the team lunch", "date": "friday"}),
     ("reminder_set task=[call mom tomorrow] date=[friday]", "remind me on friday to call mom tomorrow",
      {"task": "call mom tomorrow", "date": "friday"}),  # the date slot is taken already
     ("reminder_set task=[plan the weekend]", "remind me to plan the weekend", {"task": "plan the weekend"}),
     ("reminder_set task=[tidy my weekend bag]", "remind me to tidy my weekend bag", {"task": "tidy my weekend bag"})],
)
def test_a_date_said_last_in_the_task_is_when_it_is_due(target, utterance, slots):
    from tinychat.domain.action import resolve_action

    assert resolve_action(builtin_spec("wearable"), target, utterance=utterance).slots == slots


@pytest.mark.parametrize(
    ("target", "utterance", "slots"),
    [("reminder_set task=[take my vitamins every morning]", "remind me to take my vitamins every morning",
      {"task": "take my vitamins"}),
     ("reminder_set task=[call grandma every sunday]", "remind me to call grandma every sunday",
      {"task": "call grandma", "date": "sunday"}),  # the day it repeats on is the first day due
     ("reminder_set task=[pay] date=[friday] time=[9 am]", "remind me to pay rent every friday at 9 am",
      {"task": "pay rent", "date": "friday", "time": "09:00"}),  # read after "to", up to the repeat
     ("reminder_set task=[water the plants on mondays] date=[friday]",
      "remind me friday to water the plants on mondays",
      {"task": "water the plants", "date": "friday"}),  # the date slot is taken already
     ("reminder_set task=[분리수거 하기 화요일마다]", "분리수거 하기 화요일마다 알려 줘",
      {"task": "분리수거 하기", "date": "tuesday"}),
     ("reminder_set task=[send the weekly update]", "remind me to send the weekly update",
      {"task": "send the weekly update"})],  # a repeat word inside the task is the task's
)
def test_a_repeat_said_last_in_the_task_is_no_part_of_it(target, utterance, slots):
    from tinychat.domain.action import resolve_action

    assert resolve_action(builtin_spec("wearable"), target, utterance=utterance).slots == slots


@pytest.mark.parametrize(
    ("target", "utterance", "slots"),
    [("reminder_set task=[about the recital] date=[tomorrow]", "dont let me forget about the recital tomorrow",
      {"task": "the recital", "date": "tomorrow"}),
     ("reminder_set time=[10 am]", "can you remind me of the budget review at 10 am",
      {"time": "10:00", "task": "the budget review"}),  # read after "of"
     ("reminder_set task=[think about dinner]", "remind me to think about dinner", {"task": "think about dinner"})],
)
def test_an_event_is_read_without_its_about(target, utterance, slots):
    from tinychat.domain.action import resolve_action

    assert resolve_action(builtin_spec("wearable"), target, utterance=utterance).slots == slots


def test_a_place_of_function_words_is_still_a_place():
    """"us" is a function word ("remind us"), but "the us" is a country: asked its time, the watch must
    not answer with the local time for want of a place."""
    from tinychat.domain.action import resolve_action

    read = resolve_action(builtin_spec("wearable"), "time_query place=[the us]", utterance="whats the time in the us")
    assert read.slots == {"place": "united states"}


def test_a_time_copied_as_the_task_is_the_time():
    from tinychat.domain.action import resolve_action

    spec = builtin_spec("wearable")
    said = "remind me at noon to eat lunch"
    lunch = {"task": "eat lunch"}  # read after "to"
    read = resolve_action(spec, "reminder_set time=[eat] task=[oon]", utterance=said).slots
    assert read == {"time": "12:00", **lunch}
    read = resolve_action(spec, "reminder_set time=[9 am] task=[noon]", utterance=said).slots
    assert read == {"time": "09:00", **lunch}


@pytest.mark.parametrize(("words", "entity"), [("우유요", "milk"), ("계란이요", "egg"), ("두부로요", "tofu")])
def test_polite_korean_answers_name_the_item(words, entity):
    from tinychat.domain.builtin import builtin_spec
    from tinychat.domain.entities import resolve_entity

    assert resolve_entity(builtin_spec("fridge").catalogues["food"], words) == entity


@pytest.mark.parametrize(("target", "utterance", "slots"), [
    ("timer_set duration_s=[twenty five]", "uh set a twenty five minute timer for the pasta", {"duration_s": 1500}),
    ("timer_set duration_s=[5]", "set a 5 timer", {}),  # no unit said: no length
])
def test_a_length_copied_without_its_unit_takes_the_unit_after_it(target, utterance, slots):
    from tinychat.domain.action import resolve_action

    assert resolve_action(builtin_spec("wearable"), target, utterance=utterance).slots == slots


@pytest.mark.parametrize(("target", "utterance", "slots"), [
    ("alarm_set time=[6 am] date=[on march]", "set an alarm for 6 am on march 3rd", {"time": "06:00", "date": "03-03"}),
    ("alarm_set time=[6 am] date=[on march]", "set an alarm for 6 am on march", {"time": "06:00"}),  # no day said
])
def test_a_date_copied_without_its_day_takes_the_day_after_it(target, utterance, slots):
    from tinychat.domain.action import resolve_action

    assert resolve_action(builtin_spec("wearable"), target, utterance=utterance).slots == slots
