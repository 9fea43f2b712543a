/* tinychat_link: framing, CRC and the ask/ack/reply state machine of the device side (firmware/PROTOCOL.md). */
#include "tinychat_link.h"

#include <string.h>

/* ---- CRC-16/CCITT-FALSE ---- */

static uint16_t crc_step(uint16_t crc, uint8_t byte) {
    unsigned value = (unsigned)crc ^ ((unsigned)byte << 8);
    int bit;
    for (bit = 0; bit < 8; bit++) {
        value = (value & 0x8000u) ? (value << 1) ^ 0x1021u : value << 1;
    }
    return (uint16_t)(value & 0xFFFFu);
}

uint16_t tcl_crc16(const uint8_t *data, size_t len) {
    uint16_t crc = 0xFFFFu;
    size_t i;
    for (i = 0; i < len; i++) {
        crc = crc_step(crc, data[i]);
    }
    return crc;
}

/* ---- COBS ---- */

/* Streams bytes into COBS; a block of 254 data bytes is closed only when more data follows (canonical form). */
typedef struct {
    uint8_t *dst;
    size_t cap;
    size_t pos;
    size_t code_pos;
    uint8_t code;
    int overflow;
} cobs_writer;

static void cobs_start(cobs_writer *w, uint8_t *dst, size_t cap) {
    w->dst = dst;
    w->cap = cap;
    w->code_pos = 0;
    w->pos = 1;
    w->code = 1;
    w->overflow = cap == 0;
}

static void cobs_close_block(cobs_writer *w) {
    if (w->pos >= w->cap) {
        w->overflow = 1;
        return;
    }
    w->dst[w->code_pos] = w->code;
    w->code_pos = w->pos++;
    w->code = 1;
}

static void cobs_put(cobs_writer *w, uint8_t byte) {
    if (w->overflow) {
        return;
    }
    if (w->code == 0xFFu) {
        cobs_close_block(w);
    }
    if (byte == 0) {
        cobs_close_block(w);
    } else if (w->pos < w->cap) {
        w->dst[w->pos++] = byte;
        w->code++;
    } else {
        w->overflow = 1;
    }
}

static size_t cobs_finish(cobs_writer *w) {
    if (w->overflow) {
        return 0;
    }
    w->dst[w->code_pos] = w->code;
    return w->pos;
}

size_t tcl_cobs_encode(const uint8_t *src, size_t len, uint8_t *dst, size_t cap) {
    cobs_writer w;
    size_t i;
    cobs_start(&w, dst, cap);
    for (i = 0; i < len; i++) {
        cobs_put(&w, src[i]);
    }
    return cobs_finish(&w);
}

size_t tcl_cobs_decode(const uint8_t *src, size_t len, uint8_t *dst, size_t cap) {
    size_t in = 0;
    size_t out = 0;
    while (in < len) {
        uint8_t code = src[in++];
        uint8_t i;
        if (code == 0 || in + code - 1u > len) {
            return TCL_COBS_ERROR;
        }
        for (i = 1; i < code; i++) {
            uint8_t byte = src[in++];
            if (byte == 0 || out >= cap) {
                return TCL_COBS_ERROR;
            }
            dst[out++] = byte;
        }
        if (code < 0xFFu && in < len) {
            if (out >= cap) {
                return TCL_COBS_ERROR;
            }
            dst[out++] = 0;
        }
    }
    return out;
}

/* ---- frames ---- */

static void put_crc_byte(cobs_writer *w, uint16_t *crc, uint8_t byte) {
    *crc = crc_step(*crc, byte);
    cobs_put(w, byte);
}

size_t tcl_frame_encode(const tcl_frame *frame, uint8_t *wire, size_t cap) {
    uint8_t header[TCL_HEADER_SIZE];
    uint16_t crc = 0xFFFFu;
    cobs_writer w;
    size_t i;
    size_t encoded;
    if (frame->payload_len > TCL_MAX_PAYLOAD || cap < 3) {
        return 0;
    }
    header[0] = frame->version;
    header[1] = frame->type;
    header[2] = frame->flags;
    header[3] = (uint8_t)(frame->session >> 24);
    header[4] = (uint8_t)(frame->session >> 16);
    header[5] = (uint8_t)(frame->session >> 8);
    header[6] = (uint8_t)frame->session;
    header[7] = (uint8_t)(frame->seq >> 8);
    header[8] = (uint8_t)frame->seq;
    wire[0] = 0;
    cobs_start(&w, wire + 1, cap - 2);
    for (i = 0; i < TCL_HEADER_SIZE; i++) {
        put_crc_byte(&w, &crc, header[i]);
    }
    for (i = 0; i < frame->payload_len; i++) {
        put_crc_byte(&w, &crc, frame->payload[i]);
    }
    cobs_put(&w, (uint8_t)(crc >> 8));
    cobs_put(&w, (uint8_t)crc);
    encoded = cobs_finish(&w);
    if (encoded == 0) {
        return 0;
    }
    wire[1 + encoded] = 0;
    return encoded + 2;
}

void tcl_decoder_init(tcl_decoder *decoder) { memset(decoder, 0, sizeof *decoder); }

int tcl_decoder_push(tcl_decoder *decoder, uint8_t byte, tcl_frame *out) {
    size_t len;
    size_t body_len;
    uint8_t *body = decoder->buffer;
    if (byte != 0) {
        if (decoder->len < sizeof decoder->buffer) {
            decoder->buffer[decoder->len++] = byte;
        } else {
            decoder->overflowed = 1;
        }
        return 0;
    }
    len = decoder->len;
    decoder->len = 0;
    if (decoder->overflowed) {
        decoder->overflowed = 0;
        decoder->rejected++;
        return 0;
    }
    if (len == 0) {
        return 0; /* back-to-back delimiters */
    }
    body_len = tcl_cobs_decode(decoder->buffer, len, body, sizeof decoder->buffer);
    if (body_len == TCL_COBS_ERROR || body_len < TCL_HEADER_SIZE + TCL_CRC_SIZE || body_len > TCL_MAX_BODY ||
        tcl_crc16(body, body_len - TCL_CRC_SIZE) !=
            (uint16_t)((body[body_len - 2] << 8) | body[body_len - 1])) {
        decoder->rejected++;
        return 0;
    }
    out->version = body[0];
    out->type = body[1];
    out->flags = body[2];
    out->session = ((uint32_t)body[3] << 24) | ((uint32_t)body[4] << 16) | ((uint32_t)body[5] << 8) | body[6];
    out->seq = (uint16_t)((body[7] << 8) | body[8]);
    out->payload = body + TCL_HEADER_SIZE;
    out->payload_len = body_len - TCL_HEADER_SIZE - TCL_CRC_SIZE;
    decoder->frames++;
    return 1;
}

void tcl_fields_init(tcl_fields *fields, const uint8_t *payload, size_t len) {
    fields->next = payload;
    fields->end = payload + len;
}

const char *tcl_fields_next(tcl_fields *fields) {
    const uint8_t *start = fields->next;
    const uint8_t *nul;
    if (start >= fields->end) {
        return NULL;
    }
    nul = memchr(start, 0, (size_t)(fields->end - start));
    if (nul == NULL) {
        fields->next = fields->end;
        return NULL;
    }
    fields->next = nul + 1;
    return (const char *)start;
}

/* ---- the link ---- */

static void send_frame(tcl_link *link, uint8_t type, uint8_t flags, uint32_t session, uint16_t seq,
                       const uint8_t *payload, size_t payload_len) {
    tcl_frame frame;
    size_t n;
    frame.version = TCL_PROTOCOL_VERSION;
    frame.type = type;
    frame.flags = flags;
    frame.session = session;
    frame.seq = seq;
    frame.payload = payload;
    frame.payload_len = payload_len;
    n = tcl_frame_encode(&frame, link->tx, sizeof link->tx);
    if (n > 0) {
        link->io.write(link->io.ctx, link->tx, n);
    }
}

static void send_nack(tcl_link *link, const tcl_frame *request, tcl_nack_code code) {
    uint8_t payload[2];
    payload[0] = (uint8_t)code;
    payload[1] = 0; /* no message: the code says it */
    send_frame(link, TCL_NACK, 0, request->session, request->seq, payload, sizeof payload);
}

static uint16_t take_seq(tcl_link *link) {
    uint16_t seq = link->next_seq++;
    if (link->next_seq == 0) {
        link->session = link->session + 1u ? link->session + 1u : 1u; /* a new id space for asks */
    }
    return seq;
}

void tcl_link_init(tcl_link *link, const tcl_io *io, const tcl_timing *timing, uint32_t session) {
    memset(link, 0, sizeof *link);
    link->io = *io;
    if (timing != NULL) {
        link->timing = *timing;
    } else {
        link->timing.ack_timeout_ms = TCL_ACK_TIMEOUT_MS;
        link->timing.reply_timeout_ms = TCL_REPLY_TIMEOUT_MS;
        link->timing.max_retries = TCL_MAX_RETRIES;
    }
    link->session = session;
    link->state = TCL_IDLE;
    tcl_decoder_init(&link->decoder);
}

static void transmit_ask(tcl_link *link, uint8_t flags) {
    send_frame(link, TCL_ASK, flags, link->ask_session, link->ask_seq, link->ask_payload, link->ask_payload_len);
    link->sent_at = link->io.now_ms(link->io.ctx);
    link->tries++;
    link->state = TCL_WAIT_ACK;
}

tcl_status tcl_link_ask(tcl_link *link, const char *lang, const char *text) {
    size_t lang_len = lang != NULL ? strlen(lang) : 0;
    size_t text_len = strlen(text);
    if (link->state != TCL_IDLE) {
        return TCL_BUSY;
    }
    if (lang_len + text_len + 2u > TCL_MAX_PAYLOAD) {
        return TCL_TOO_LONG;
    }
    if (lang_len > 0) {
        memcpy(link->ask_payload, lang, lang_len);
    }
    link->ask_payload[lang_len] = 0;
    memcpy(link->ask_payload + lang_len + 1, text, text_len);
    link->ask_payload[lang_len + 1 + text_len] = 0;
    link->ask_payload_len = lang_len + text_len + 2u;
    link->ask_session = link->session;
    link->ask_seq = take_seq(link);
    link->tries = 0;
    transmit_ask(link, 0);
    return TCL_OK;
}

tcl_status tcl_link_ping(tcl_link *link) {
    link->ping_seq = take_seq(link);
    link->ping_sent_at = link->io.now_ms(link->io.ctx);
    link->ping_pending = 1;
    send_frame(link, TCL_PING, 0, link->session, link->ping_seq, NULL, 0);
    return TCL_OK;
}

int tcl_link_busy(const tcl_link *link) { return link->state != TCL_IDLE; }

static int answers_ask(const tcl_link *link, const tcl_frame *frame) {
    return link->state != TCL_IDLE && frame->session == link->ask_session && frame->seq == link->ask_seq;
}

static void fail_ask(tcl_link *link, tcl_status why, uint8_t nack_code, const char *message) {
    tcl_failure failure;
    failure.seq = link->ask_seq;
    failure.why = why;
    failure.nack_code = nack_code;
    failure.message = message;
    link->state = TCL_IDLE;
    if (link->io.on_ask_failed != NULL) {
        link->io.on_ask_failed(link->io.ctx, &failure);
    }
}

static void on_reply(tcl_link *link, const tcl_frame *frame) {
    tcl_reply reply;
    if (!answers_ask(link, frame)) {
        return; /* the answer to a resend we already had */
    }
    tcl_fields_init(&reply.slots, frame->payload, frame->payload_len);
    reply.seq = frame->seq;
    reply.flags = frame->flags;
    reply.lang = tcl_fields_next(&reply.slots);
    reply.intent = tcl_fields_next(&reply.slots);
    reply.text = tcl_fields_next(&reply.slots);
    reply.pending = tcl_fields_next(&reply.slots);
    if (reply.pending == NULL) {
        fail_ask(link, TCL_BAD_REPLY, 0, "");
        return;
    }
    link->state = TCL_IDLE;
    if (link->io.on_reply != NULL) {
        link->io.on_reply(link->io.ctx, &reply);
    }
}

static void on_nack(tcl_link *link, const tcl_frame *frame) {
    tcl_fields fields;
    const char *message = NULL;
    if (!answers_ask(link, frame) || frame->payload_len == 0) {
        return;
    }
    tcl_fields_init(&fields, frame->payload + 1, frame->payload_len - 1);
    message = tcl_fields_next(&fields);
    fail_ask(link, TCL_REFUSED, frame->payload[0], message != NULL ? message : "");
}

static void on_event(tcl_link *link, const tcl_frame *frame) {
    tcl_event event;
    const char *missed;
    int repeated;
    tcl_fields_init(&event.data, frame->payload, frame->payload_len);
    event.session = frame->session;
    event.seq = frame->seq;
    event.flags = frame->flags;
    event.kind = tcl_fields_next(&event.data);
    event.id = tcl_fields_next(&event.data);
    event.due = tcl_fields_next(&event.data);
    event.lang = tcl_fields_next(&event.data);
    event.text = tcl_fields_next(&event.data);
    missed = tcl_fields_next(&event.data);
    if (missed == NULL) {
        send_nack(link, frame, TCL_NACK_BAD_PAYLOAD);
        return;
    }
    event.missed = missed[0] == '1';
    send_frame(link, TCL_ACK, 0, frame->session, frame->seq, NULL, 0);
    repeated = link->have_event && link->event_session == frame->session && link->event_seq == frame->seq;
    link->have_event = 1;
    link->event_session = frame->session;
    link->event_seq = frame->seq;
    if (!repeated && link->io.on_event != NULL) {
        link->io.on_event(link->io.ctx, &event);
    }
}

static void on_frame(tcl_link *link, const tcl_frame *frame) {
    link->frames_in++;
    if (frame->version != TCL_PROTOCOL_VERSION) {
        if (frame->type == TCL_EVENT || frame->type == TCL_PING) {
            send_nack(link, frame, TCL_NACK_UNSUPPORTED_VERSION);
        }
        return;
    }
    switch (frame->type) {
    case TCL_ACK:
        if (answers_ask(link, frame) && link->state == TCL_WAIT_ACK) {
            link->state = TCL_WAIT_REPLY;
            link->sent_at = link->io.now_ms(link->io.ctx);
        }
        break;
    case TCL_REPLY:
        on_reply(link, frame);
        break;
    case TCL_NACK:
        on_nack(link, frame);
        break;
    case TCL_EVENT:
        on_event(link, frame);
        break;
    case TCL_PING:
        send_frame(link, TCL_PONG, 0, frame->session, frame->seq, frame->payload, frame->payload_len);
        break;
    case TCL_PONG:
        if (link->ping_pending && frame->session == link->session && frame->seq == link->ping_seq) {
            link->ping_pending = 0;
            link->rtt_ms = link->io.now_ms(link->io.ctx) - link->ping_sent_at;
        }
        break;
    case TCL_ASK:
        send_nack(link, frame, TCL_NACK_UNEXPECTED);
        break;
    default:
        send_nack(link, frame, TCL_NACK_UNKNOWN_TYPE);
        break;
    }
}

static void run_timers(tcl_link *link) {
    uint32_t waited;
    uint32_t limit;
    if (link->state == TCL_IDLE) {
        return;
    }
    waited = link->io.now_ms(link->io.ctx) - link->sent_at; /* unsigned: right across the counter's wrap */
    limit = link->state == TCL_WAIT_ACK ? link->timing.ack_timeout_ms : link->timing.reply_timeout_ms;
    if (waited < limit) {
        return;
    }
    if (link->tries > link->timing.max_retries) {
        fail_ask(link, TCL_TIMEOUT, 0, "");
        return;
    }
    link->retransmits++;
    transmit_ask(link, TCL_FLAG_RETRANSMIT);
}

void tcl_link_poll(tcl_link *link) {
    uint8_t chunk[32];
    size_t n;
    size_t i;
    tcl_frame frame;
    while ((n = link->io.read(link->io.ctx, chunk, sizeof chunk)) > 0) {
        for (i = 0; i < n; i++) {
            if (tcl_decoder_push(&link->decoder, chunk[i], &frame)) {
                on_frame(link, &frame);
            }
        }
    }
    run_timers(link);
}
