import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinychat.bridges.serial_protocol import (
    MAX_PAYLOAD,
    ErrorCode,
    Flag,
    Frame,
    FrameDecoder,
    FrameError,
    MessageType,
    ask_payload,
    cobs_decode,
    cobs_encode,
    crc16,
    event_payload,
    nack_payload,
    parse_ask,
    parse_event,
    parse_nack,
    parse_reply,
    reply_payload,
    unpack_fields,
)
from tinychat.dialogue.turn import ActionSummary, Event, Turn


def test_crc_is_ccitt_false():
    assert crc16(b"123456789") == 0x29B1
    assert crc16(b"") == 0xFFFF


@pytest.mark.parametrize(
    ("raw", "encoded"),
    [  # the examples of the COBS paper / Wikipedia
        (b"\x00", b"\x01\x01"),
        (b"\x00\x00", b"\x01\x01\x01"),
        (b"\x00\x11\x00", b"\x01\x02\x11\x01"),
        (b"\x11\x22\x00\x33", b"\x03\x11\x22\x02\x33"),
        (b"\x11\x22\x33\x44", b"\x05\x11\x22\x33\x44"),
        (bytes(range(1, 255)), b"\xff" + bytes(range(1, 255))),
        (bytes(range(0, 255)), b"\x01\xff" + bytes(range(1, 255))),
        (bytes(range(1, 256)), b"\xff" + bytes(range(1, 255)) + b"\x02\xff"),
        (bytes(range(2, 256)) + b"\x00", b"\xff" + bytes(range(2, 256)) + b"\x01\x01"),
    ],
)
def test_cobs_matches_the_reference_examples(raw, encoded):
    assert cobs_encode(raw) == encoded
    assert cobs_decode(encoded) == raw


@given(st.binary(max_size=1200))
def test_cobs_round_trips_without_zero_bytes(raw):
    encoded = cobs_encode(raw)
    assert 0 not in encoded
    assert cobs_decode(encoded) == raw


@pytest.mark.parametrize("bad", [b"\x05\x11\x22", b"\x03\x11\x00", b"\x00"])
def test_cobs_rejects_blocks_that_run_out_or_hold_zero(bad):
    with pytest.raises(FrameError, match="COBS"):
        cobs_decode(bad)


def test_documented_frame_vector():
    """The example frame in firmware/PROTOCOL.md (the C unit tests check the same bytes)."""
    frame = Frame(MessageType.ASK, session=0x01020304, seq=1, payload=ask_payload("hi", "en"))
    assert frame.encode().hex(" ") == "00 03 01 01 05 01 02 03 04 04 01 65 6e 03 68 69 03 e4 cc 00"


def _frames(count=5):
    return [
        Frame(MessageType.ASK, 0xCAFE0000 + i, i, ask_payload(f"question {i} ünïcode", "en"), Flag.RETRANSMIT * (i % 2))
        for i in range(count)
    ]


def test_decoder_round_trips_frames_fed_in_any_chunking():
    frames = _frames(20)
    stream = b"".join(frame.encode() for frame in frames)
    rng = random.Random(0)
    decoder, decoded, index = FrameDecoder(), [], 0
    while index < len(stream):
        step = rng.randint(1, 40)
        decoded += decoder.feed(stream[index : index + step])
        index += step
    assert decoded == frames
    assert decoder.stats.rejected == 0


def test_decoder_survives_random_garbage_between_frames():
    rng = random.Random(1)
    frames = _frames(50)
    stream = b"".join(rng.randbytes(rng.randint(0, 80)) + frame.encode() for frame in frames)
    decoded = FrameDecoder().feed(stream)
    assert decoded == frames


def test_every_single_bit_flip_is_rejected_and_the_next_frame_still_arrives():
    good, follower = _frames(2)
    wire = good.encode()
    for bit in range(8, (len(wire) - 1) * 8):  # every bit between the delimiters
        flipped = bytearray(wire)
        flipped[bit // 8] ^= 1 << (bit % 8)
        decoder = FrameDecoder()
        assert decoder.feed(bytes(flipped) + follower.encode()) == [follower], f"bit {bit}"
        assert decoder.stats.rejected >= 1


def test_truncated_frame_costs_only_itself():
    first, second = _frames(2)
    for cut in range(1, len(first.encode()) - 1):
        decoder = FrameDecoder()
        assert decoder.feed(first.encode()[:cut] + second.encode()) == [second]


def test_overlong_run_without_delimiter_is_dropped():
    decoder = FrameDecoder()
    follower = _frames(1)[0]
    assert decoder.feed(b"\x01" * 5000 + follower.encode()) == [follower]
    assert decoder.stats.oversize == 1


def test_too_long_payload_is_refused_when_encoding():
    with pytest.raises(FrameError, match="512-byte limit"):
        Frame(MessageType.ASK, 1, 1, b"x" * (MAX_PAYLOAD + 1)).encode()


def test_largest_frame_round_trips():
    frame = Frame(MessageType.PING, 7, 9, bytes(range(256)) * 2)
    assert FrameDecoder().feed(frame.encode()) == [frame]


def test_ask_fields_round_trip_and_empty_lang_means_detect():
    assert parse_ask(ask_payload("set a timer", "en")) == ("set a timer", "en")
    assert parse_ask(ask_payload("minuteur de 5 minutes")) == ("minuteur de 5 minutes", None)
    with pytest.raises(FrameError, match="at least 2"):
        parse_ask(b"en\x00")
    with pytest.raises(FrameError, match="NUL-terminated"):
        parse_ask(b"en\x00hi")
    with pytest.raises(FrameError, match="UTF-8"):
        unpack_fields(b"\xff\xfe\x00")


def _turn(reply, **slots):
    return Turn(reply=reply, lang="fr", action=ActionSummary(intent="timer_set", slots=slots), pending=None)


def test_reply_carries_text_lang_intent_and_slots():
    payload, truncated = reply_payload(_turn("Minuteur réglé sur 2 secondes.", duration=2, label="thé"))
    fields = parse_reply(payload)
    assert not truncated
    assert (fields.lang, fields.intent, fields.pending) == ("fr", "timer_set", None)
    assert fields.text == "Minuteur réglé sur 2 secondes."
    assert fields.slots == {"duration": "2", "label": "thé"}


def test_long_reply_is_cut_at_a_character_boundary_and_flagged():
    long_text = "é" * 400  # 800 bytes of UTF-8
    payload, truncated = reply_payload(_turn(long_text, item="eggs"))
    fields = parse_reply(payload)
    assert truncated
    assert len(payload) <= MAX_PAYLOAD
    assert long_text.startswith(fields.text) and len(fields.text) > 200
    assert fields.slots == {}


def test_event_fields_round_trip():
    event = Event(kind="timer", id=3, due="2026-11-23T10:00:02", text="Time's up!", lang="en", data={"seconds": 2})
    payload, truncated = event_payload(event)
    fields = parse_event(payload)
    assert not truncated
    assert (fields.kind, fields.id, fields.due, fields.text, fields.lang, fields.missed) == (
        "timer", 3, "2026-11-23T10:00:02", "Time's up!", "en", False
    )
    assert fields.data == {"seconds": "2"}


def test_nack_carries_code_and_message_within_limit():
    assert parse_nack(nack_payload(ErrorCode.BAD_PAYLOAD, "no text field")) == (ErrorCode.BAD_PAYLOAD, "no text field")
    assert len(nack_payload(ErrorCode.INTERNAL, "ü" * 1000)) <= MAX_PAYLOAD
