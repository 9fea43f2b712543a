"""The serial link's wire format (firmware/PROTOCOL.md): COBS frames with a CRC, and what their payloads carry.

Pure Python and I/O-free, so the bridge, tests and simulated devices share one codec; firmware/src/tinychat_link.c
is the same protocol in C. A frame on the wire is ``00 COBS(header | payload | crc16) 00``.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from enum import IntEnum, IntFlag
from typing import Any

from tinychat.dialogue.turn import Event, Turn

PROTOCOL_VERSION = 1
MAX_PAYLOAD = 512
HEADER = struct.Struct(">BBBIH")  # version, type, flags, session, seq
CRC_SIZE = 2
MAX_BODY = HEADER.size + MAX_PAYLOAD + CRC_SIZE
#: longest COBS encoding of a body (one code byte per 254 data bytes, plus the first)
MAX_ENCODED = MAX_BODY + MAX_BODY // 254 + 1
DELIMITER = b"\x00"


class MessageType(IntEnum):
    ASK = 1  # device -> host: a question (acked, then answered by a REPLY)
    REPLY = 2  # host -> device: the answer to an ASK, same session and seq
    EVENT = 3  # host -> device: a timer/alarm/reminder fired (acked)
    PING = 4  # either way: are you there? (answered by PONG)
    PONG = 5
    ACK = 6  # "received": answers an ASK or an EVENT, same session and seq
    NACK = 7  # "received but refused": code and message in the payload


class Flag(IntFlag):
    RETRANSMIT = 0x01  # this is a retry of an earlier frame (same session and seq)
    TRUNCATED = 0x02  # text was cut to fit MAX_PAYLOAD


class ErrorCode(IntEnum):
    UNSUPPORTED_VERSION = 1
    UNKNOWN_TYPE = 2
    BAD_PAYLOAD = 3  # fields missing, not NUL-terminated, or not UTF-8
    INTERNAL = 4  # the assistant failed on this request; asking again may work
    UNEXPECTED = 5  # a valid message this side does not accept (e.g. a REPLY sent to the host)


class FrameError(ValueError):
    """Bytes that are not a valid frame or payload (bad COBS, bad CRC, too short, too long, bad fields)."""


def _crc_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
        table.append(crc & 0xFFFF)
    return table


_CRC_TABLE = _crc_table()


def crc16(data: bytes) -> int:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final xor); ``crc16(b"123456789") == 0x29B1``."""
    crc = 0xFFFF
    for byte in data:
        crc = ((crc << 8) & 0xFFFF) ^ _CRC_TABLE[(crc >> 8) ^ byte]
    return crc


def cobs_encode(data: bytes) -> bytes:
    """Consistent Overhead Byte Stuffing: the result holds no zero byte, so 0x00 can delimit frames."""
    out = bytearray()
    chunks = data.split(b"\x00")
    for index, chunk in enumerate(chunks):
        last = index == len(chunks) - 1
        full_blocks = 0
        while len(chunk) >= 254:
            out += b"\xff" + chunk[:254]
            chunk = chunk[254:]
            full_blocks += 1
        if not (last and full_blocks and not chunk):
            out += bytes([len(chunk) + 1]) + chunk
    return bytes(out)


def cobs_decode(data: bytes) -> bytes:
    """Undo ``cobs_encode``; raises FrameError on a zero byte or a block that runs past the end."""
    out = bytearray()
    index = 0
    while index < len(data):
        code = data[index]
        end = index + code
        if code == 0 or end > len(data) or 0 in data[index + 1 : end]:
            raise FrameError(f"bad COBS block at byte {index} (code {code}, {len(data)} bytes)")
        out += data[index + 1 : end]
        index = end
        if code < 0xFF and index < len(data):
            out.append(0)
    return bytes(out)


@dataclass(frozen=True)
class Frame:
    """One message. Requests (ASK, EVENT, PING) carry the sender's session and seq; answers repeat the request's."""

    type: int
    session: int
    seq: int
    payload: bytes = b""
    flags: int = 0
    version: int = PROTOCOL_VERSION

    def encode(self) -> bytes:
        """The bytes to write: ``00 COBS(body) 00``; raises FrameError when the payload is over MAX_PAYLOAD."""
        if len(self.payload) > MAX_PAYLOAD:
            raise FrameError(f"payload of {len(self.payload)} bytes is over the {MAX_PAYLOAD}-byte limit")
        body = HEADER.pack(self.version, self.type, self.flags, self.session, self.seq) + self.payload
        body += crc16(body).to_bytes(CRC_SIZE, "big")
        return DELIMITER + cobs_encode(body) + DELIMITER


def decode_body(body: bytes) -> Frame:
    """A frame from its un-stuffed body (header, payload, CRC); raises FrameError when it does not check out."""
    if len(body) < HEADER.size + CRC_SIZE:
        raise FrameError(f"frame of {len(body)} bytes is shorter than header and CRC ({HEADER.size + CRC_SIZE})")
    if len(body) > MAX_BODY:
        raise FrameError(f"frame of {len(body)} bytes is over the {MAX_BODY}-byte limit")
    expected = int.from_bytes(body[-CRC_SIZE:], "big")
    actual = crc16(body[:-CRC_SIZE])
    if actual != expected:
        raise FrameError(f"CRC mismatch: frame says {expected:#06x}, bytes give {actual:#06x}")
    version, kind, flags, session, seq = HEADER.unpack_from(body)
    return Frame(kind, session, seq, bytes(body[HEADER.size : -CRC_SIZE]), flags, version)


@dataclass
class DecoderStats:
    frames: int = 0
    bad_cobs: int = 0
    bad_crc: int = 0
    too_short: int = 0
    oversize: int = 0

    @property
    def rejected(self) -> int:
        return self.bad_cobs + self.bad_crc + self.too_short + self.oversize


@dataclass
class FrameDecoder:
    """Cuts a byte stream into frames at each 0x00; garbage, bit flips and cut-off frames cost only themselves."""

    stats: DecoderStats = field(default_factory=DecoderStats)
    _buffer: bytearray = field(default_factory=bytearray)
    _overflowed: bool = False

    def feed(self, data: bytes) -> list[Frame]:
        frames = []
        pieces = data.split(DELIMITER)
        for index, piece in enumerate(pieces):
            self._buffer += piece
            if len(self._buffer) > MAX_ENCODED:
                self._buffer.clear()
                self._overflowed = True
            if index < len(pieces) - 1:
                frame = self._end_of_frame()
                if frame is not None:
                    frames.append(frame)
        return frames

    def _end_of_frame(self) -> Frame | None:
        encoded, overflowed = bytes(self._buffer), self._overflowed
        self._buffer.clear()
        self._overflowed = False
        if overflowed:
            self.stats.oversize += 1
            return None
        if not encoded:
            return None  # back-to-back delimiters: no frame
        try:
            body = cobs_decode(encoded)
        except FrameError:
            self.stats.bad_cobs += 1
            return None
        try:
            frame = decode_body(body)
        except FrameError:
            if len(body) < HEADER.size + CRC_SIZE:
                self.stats.too_short += 1
            elif len(body) > MAX_BODY:
                self.stats.oversize += 1
            else:
                self.stats.bad_crc += 1
            return None
        self.stats.frames += 1
        return frame


def pack_fields(*fields: str) -> bytes:
    """A payload of UTF-8 strings, each ended by a NUL (C code can use them in place as C strings)."""
    if any("\x00" in text for text in fields):
        raise ValueError(f"a field cannot hold a NUL character: {fields!r}")
    return b"".join(text.encode("utf-8") + b"\x00" for text in fields)


def unpack_fields(payload: bytes, minimum: int = 0) -> list[str]:
    """The strings of a payload; raises FrameError when one is unterminated, not UTF-8, or too few are there."""
    if payload and not payload.endswith(b"\x00"):
        raise FrameError("payload's last field is not NUL-terminated")
    try:
        fields = [raw.decode("utf-8") for raw in payload.split(b"\x00")[:-1]]
    except UnicodeDecodeError as error:
        raise FrameError(f"payload field is not UTF-8: {error}") from error
    if len(fields) < minimum:
        raise FrameError(f"payload has {len(fields)} fields, expected at least {minimum}")
    return fields


def ask_payload(text: str, lang: str | None = None) -> bytes:
    """ASK: ``lang`` (empty: detect it), ``text``."""
    return pack_fields(lang or "", text)


def parse_ask(payload: bytes) -> tuple[str, str | None]:
    """The (text, lang or None) of an ASK payload."""
    lang, text = unpack_fields(payload, minimum=2)[:2]
    return text, lang or None


def _fit(fixed: list[str], text_index: int, pairs: list[str]) -> tuple[bytes, bool]:
    """Pack ``fixed + pairs`` within MAX_PAYLOAD: drop the pairs, then cut the text field, if it has to."""
    payload = pack_fields(*fixed, *pairs)
    if len(payload) <= MAX_PAYLOAD:
        return payload, False
    payload = pack_fields(*fixed)
    excess = len(payload) - MAX_PAYLOAD
    if excess > 0:
        text = fixed[text_index]
        fixed = list(fixed)
        fixed[text_index] = _cut_utf8(text, len(text.encode("utf-8")) - excess)
        payload = pack_fields(*fixed)
        if len(payload) > MAX_PAYLOAD:
            raise FrameError(f"fields other than the text take {len(payload)} bytes, over the {MAX_PAYLOAD} limit")
    return payload, True


def _cut_utf8(text: str, max_bytes: int) -> str:
    """The longest prefix of ``text`` within ``max_bytes`` of UTF-8 (never half a character)."""
    return text.encode("utf-8")[: max(0, max_bytes)].decode("utf-8", "ignore")


def _field_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def reply_payload(turn: Turn) -> tuple[bytes, bool]:
    """REPLY: ``lang, intent, reply, pending`` (empty: none) then slot ``name, value`` pairs; True when cut to fit."""
    pairs = [text for name, value in turn.action.slots.items() for text in (name, _field_text(value))]
    return _fit([turn.lang, turn.action.intent, turn.reply, turn.pending or ""], 2, pairs)


def event_payload(event: Event) -> tuple[bytes, bool]:
    """EVENT: ``kind, id, due, lang, text, missed ("0"/"1")`` then data ``name, value`` pairs."""
    fixed = [event.kind, str(event.id), event.due, event.lang, event.text, "1" if event.missed else "0"]
    pairs = [text for name, value in event.data.items() for text in (name, _field_text(value))]
    return _fit(fixed, 4, pairs)


def nack_payload(code: ErrorCode, message: str) -> bytes:
    """NACK: one byte of ErrorCode, then a NUL-terminated message (cut to fit)."""
    return bytes([code]) + pack_fields(_cut_utf8(message.replace("\x00", ""), MAX_PAYLOAD - 2))


def parse_nack(payload: bytes) -> tuple[int, str]:
    if not payload:
        raise FrameError("NACK without an error code")
    fields = unpack_fields(payload[1:])
    return payload[0], fields[0] if fields else ""


def _pairs(fields: list[str]) -> dict[str, str]:
    if len(fields) % 2:
        raise FrameError(f"name/value fields come in pairs, got {len(fields)}: {fields!r}")
    return dict(zip(fields[::2], fields[1::2], strict=True))


@dataclass(frozen=True)
class ReplyFields:
    """A REPLY payload as a device reads it."""

    lang: str
    intent: str
    text: str
    pending: str | None
    slots: dict[str, str]


def parse_reply(payload: bytes) -> ReplyFields:
    lang, intent, text, pending, *pairs = unpack_fields(payload, minimum=4)
    return ReplyFields(lang, intent, text, pending or None, _pairs(pairs))


@dataclass(frozen=True)
class EventFields:
    """An EVENT payload as a device reads it."""

    kind: str
    id: int
    due: str
    lang: str
    text: str
    missed: bool
    data: dict[str, str]


def parse_event(payload: bytes) -> EventFields:
    kind, event_id, due, lang, text, missed, *pairs = unpack_fields(payload, minimum=6)
    try:
        number = int(event_id)
    except ValueError as error:
        raise FrameError(f"event id {event_id!r} is not a number") from error
    return EventFields(kind, number, due, lang, text, missed == "1", _pairs(pairs))
