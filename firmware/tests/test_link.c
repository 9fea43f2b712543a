/* Host unit tests of tinychat_link: codec vectors shared with the Python side, and the link's state machine
 * driven by a test clock and an in-memory host. */
#include "../src/tinychat_link.h"

#include <stdio.h>
#include <string.h>

static int failures;
static int checks;

#define CHECK(cond)                                                                \
    do {                                                                           \
        checks++;                                                                  \
        if (!(cond)) {                                                             \
            failures++;                                                            \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                          \
    } while (0)

/* ---- codec ---- */

static void test_crc(void) {
    CHECK(tcl_crc16((const uint8_t *)"123456789", 9) == 0x29B1u);
    CHECK(tcl_crc16(NULL, 0) == 0xFFFFu);
}

static void check_cobs(const uint8_t *raw, size_t raw_len, const uint8_t *encoded, size_t encoded_len) {
    uint8_t out[1200];
    size_t n = tcl_cobs_encode(raw, raw_len, out, sizeof out);
    CHECK(n == encoded_len && memcmp(out, encoded, n) == 0);
    n = tcl_cobs_decode(out, n, out, sizeof out); /* in place */
    CHECK(n == raw_len && memcmp(out, raw, n) == 0);
}

static void test_cobs_reference_examples(void) {
    static const uint8_t r1[] = {0x00}, e1[] = {0x01, 0x01};
    static const uint8_t r2[] = {0x00, 0x00}, e2[] = {0x01, 0x01, 0x01};
    static const uint8_t r3[] = {0x00, 0x11, 0x00}, e3[] = {0x01, 0x02, 0x11, 0x01};
    static const uint8_t r4[] = {0x11, 0x22, 0x00, 0x33}, e4[] = {0x03, 0x11, 0x22, 0x02, 0x33};
    uint8_t raw[256], encoded[260];
    size_t i;
    check_cobs(r1, sizeof r1, e1, sizeof e1);
    check_cobs(r2, sizeof r2, e2, sizeof e2);
    check_cobs(r3, sizeof r3, e3, sizeof e3);
    check_cobs(r4, sizeof r4, e4, sizeof e4);
    for (i = 0; i < 254; i++) { /* 01..FE: one full block, no trailing code */
        raw[i] = (uint8_t)(i + 1);
        encoded[i + 1] = raw[i];
    }
    encoded[0] = 0xFF;
    check_cobs(raw, 254, encoded, 255);
    raw[254] = 0xFF; /* 01..FF */
    encoded[255] = 0x02;
    encoded[256] = 0xFF;
    check_cobs(raw, 255, encoded, 257);
    raw[254] = 0x00; /* 01..FE 00 */
    encoded[255] = 0x01;
    encoded[256] = 0x01;
    check_cobs(raw, 255, encoded, 257);
}

static void test_cobs_round_trips_and_rejects(void) {
    uint8_t raw[1100], encoded[1200], decoded[1100];
    uint32_t state = 12345u;
    size_t len, i, n;
    static const uint8_t truncated[] = {0x05, 0x11, 0x22}, holds_zero[] = {0x03, 0x11, 0x00};
    for (len = 0; len < sizeof raw; len += 37) {
        for (i = 0; i < len; i++) {
            state = state * 1103515245u + 12345u;
            raw[i] = (uint8_t)((state >> 16) % 5 == 0 ? 0 : state >> 8);
        }
        n = tcl_cobs_encode(raw, len, encoded, sizeof encoded);
        CHECK(n > 0 && memchr(encoded, 0, n) == NULL);
        CHECK(tcl_cobs_decode(encoded, n, decoded, sizeof decoded) == len && memcmp(decoded, raw, len) == 0);
    }
    CHECK(tcl_cobs_decode(truncated, sizeof truncated, decoded, sizeof decoded) == TCL_COBS_ERROR);
    CHECK(tcl_cobs_decode(holds_zero, sizeof holds_zero, decoded, sizeof decoded) == TCL_COBS_ERROR);
    CHECK(tcl_cobs_encode(raw, 100, encoded, 50) == 0);
}

static const uint8_t ASK_HI[] = {0x00, 0x03, 0x01, 0x01, 0x05, 0x01, 0x02, 0x03, 0x04, 0x04,
                                 0x01, 0x65, 0x6e, 0x03, 0x68, 0x69, 0x03, 0xe4, 0xcc, 0x00};

static size_t encode(uint8_t type, uint8_t flags, uint32_t session, uint16_t seq, const void *payload,
                     size_t len, uint8_t *wire) {
    tcl_frame frame;
    frame.version = TCL_PROTOCOL_VERSION;
    frame.type = type;
    frame.flags = flags;
    frame.session = session;
    frame.seq = seq;
    frame.payload = payload;
    frame.payload_len = len;
    return tcl_frame_encode(&frame, wire, TCL_MAX_WIRE);
}

static void test_documented_frame_vector(void) {
    uint8_t wire[TCL_MAX_WIRE];
    size_t n = encode(TCL_ASK, 0, 0x01020304u, 1, "en\0hi", 6, wire);
    CHECK(n == sizeof ASK_HI && memcmp(wire, ASK_HI, n) == 0);
}

static int feed(tcl_decoder *decoder, const uint8_t *bytes, size_t len, tcl_frame *last) {
    size_t i;
    int frames = 0;
    for (i = 0; i < len; i++) {
        frames += tcl_decoder_push(decoder, bytes[i], last);
    }
    return frames;
}

static void test_decoder(void) {
    tcl_decoder decoder;
    tcl_frame frame;
    uint8_t copy[sizeof ASK_HI], big[TCL_MAX_WIRE], noise[700];
    size_t bit, cut, n;
    static const uint8_t garbage[] = {0x13, 0x00, 0xff, 0xfe, 0x02, 0x00, 0x07};

    tcl_decoder_init(&decoder);
    CHECK(feed(&decoder, garbage, sizeof garbage, &frame) == 0);
    CHECK(feed(&decoder, ASK_HI, sizeof ASK_HI, &frame) == 1);
    CHECK(frame.type == TCL_ASK && frame.session == 0x01020304u && frame.seq == 1 && frame.payload_len == 6 &&
          memcmp(frame.payload, "en\0hi", 6) == 0);

    for (bit = 8; bit < (sizeof ASK_HI - 1) * 8; bit++) { /* every single-bit flip between the delimiters */
        memcpy(copy, ASK_HI, sizeof copy);
        copy[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        tcl_decoder_init(&decoder);
        CHECK(feed(&decoder, copy, sizeof copy, &frame) == 0 && decoder.rejected >= 1);
        CHECK(feed(&decoder, ASK_HI, sizeof ASK_HI, &frame) == 1);
    }
    for (cut = 2; cut < sizeof ASK_HI - 1; cut++) { /* cut off, then a whole frame */
        tcl_decoder_init(&decoder);
        CHECK(feed(&decoder, ASK_HI, cut, &frame) == 0);
        CHECK(feed(&decoder, ASK_HI, sizeof ASK_HI, &frame) == 1 && frame.seq == 1);
    }
    memset(noise, 0x41, sizeof noise); /* longer than any frame, no delimiter */
    tcl_decoder_init(&decoder);
    CHECK(feed(&decoder, noise, sizeof noise, &frame) == 0);
    CHECK(feed(&decoder, ASK_HI, sizeof ASK_HI, &frame) == 1 && decoder.rejected == 1);

    memset(noise, 0x5a, TCL_MAX_PAYLOAD); /* the largest frame */
    n = encode(TCL_PING, 0, 7, 9, noise, TCL_MAX_PAYLOAD, big);
    CHECK(n > 0 && n <= TCL_MAX_WIRE);
    CHECK(feed(&decoder, big, n, &frame) == 1 && frame.payload_len == TCL_MAX_PAYLOAD);
    CHECK(encode(TCL_PING, 0, 7, 9, noise, TCL_MAX_PAYLOAD + 1, big) == 0);
}

static void test_fields(void) {
    static const uint8_t payload[] = "en\0timer_set\0Timer set.\0\0seconds\0002\0";
    tcl_fields fields;
    tcl_fields_init(&fields, payload, sizeof payload - 1);
    CHECK(strcmp(tcl_fields_next(&fields), "en") == 0);
    CHECK(strcmp(tcl_fields_next(&fields), "timer_set") == 0);
    CHECK(strcmp(tcl_fields_next(&fields), "Timer set.") == 0);
    CHECK(strcmp(tcl_fields_next(&fields), "") == 0);
    CHECK(strcmp(tcl_fields_next(&fields), "seconds") == 0);
    CHECK(strcmp(tcl_fields_next(&fields), "2") == 0);
    CHECK(tcl_fields_next(&fields) == NULL);
    tcl_fields_init(&fields, (const uint8_t *)"no terminator", 13);
    CHECK(tcl_fields_next(&fields) == NULL);
}

/* ---- the link, against an in-memory host ---- */

typedef struct {
    uint32_t now;
    uint8_t to_device[4096];
    size_t to_device_len, to_device_pos;
    tcl_decoder host_decoder; /* what the device wrote, as frames */
    tcl_frame sent[16];
    uint8_t sent_payload[16][TCL_MAX_PAYLOAD];
    int sent_count;
    int replies, events, failures_seen;
    char reply_text[64], event_text[64], slot[64];
    tcl_failure failure;
} fixture;

static uint32_t fx_now(void *ctx) { return ((fixture *)ctx)->now; }

static size_t fx_read(void *ctx, uint8_t *buffer, size_t capacity) {
    fixture *fx = ctx;
    size_t n = fx->to_device_len - fx->to_device_pos;
    if (n > capacity) {
        n = capacity;
    }
    memcpy(buffer, fx->to_device + fx->to_device_pos, n);
    fx->to_device_pos += n;
    return n;
}

static void fx_write(void *ctx, const uint8_t *data, size_t len) {
    fixture *fx = ctx;
    tcl_frame frame;
    size_t i;
    for (i = 0; i < len; i++) {
        if (tcl_decoder_push(&fx->host_decoder, data[i], &frame) && fx->sent_count < 16) {
            memcpy(fx->sent_payload[fx->sent_count], frame.payload, frame.payload_len);
            frame.payload = fx->sent_payload[fx->sent_count];
            fx->sent[fx->sent_count++] = frame;
        }
    }
}

static void fx_on_reply(void *ctx, const tcl_reply *reply) {
    fixture *fx = ctx;
    tcl_fields slots = reply->slots;
    const char *name = tcl_fields_next(&slots);
    const char *value = tcl_fields_next(&slots);
    fx->replies++;
    snprintf(fx->reply_text, sizeof fx->reply_text, "%s|%s|%s|%s", reply->lang, reply->intent, reply->text,
             reply->pending);
    snprintf(fx->slot, sizeof fx->slot, "%s=%s", name ? name : "", value ? value : "");
}

static void fx_on_event(void *ctx, const tcl_event *event) {
    fixture *fx = ctx;
    fx->events++;
    snprintf(fx->event_text, sizeof fx->event_text, "%s|%s|%s|%d", event->kind, event->id, event->text,
             event->missed);
}

static void fx_on_failed(void *ctx, const tcl_failure *failure) {
    fixture *fx = ctx;
    fx->failures_seen++;
    fx->failure = *failure;
}

static void host_sends(fixture *fx, uint8_t type, uint8_t flags, uint32_t session, uint16_t seq,
                       const void *payload, size_t len) {
    fx->to_device_len += encode(type, flags, session, seq, payload, len, fx->to_device + fx->to_device_len);
}

static void start(fixture *fx, tcl_link *link) {
    tcl_io io;
    memset(fx, 0, sizeof *fx);
    fx->now = 0xFFFFFF00u; /* the clock wraps during the tests */
    tcl_decoder_init(&fx->host_decoder);
    io.ctx = fx;
    io.now_ms = fx_now;
    io.read = fx_read;
    io.write = fx_write;
    io.on_reply = fx_on_reply;
    io.on_event = fx_on_event;
    io.on_ask_failed = fx_on_failed;
    tcl_link_init(link, &io, NULL, 0xABCD0001u);
}

static const char REPLY[] = "en\0timer_set\0Timer set for 2 seconds.\0\0seconds\0002";

static void test_ask_ack_reply(void) {
    fixture fx;
    tcl_link link;
    start(&fx, &link);
    CHECK(tcl_link_ask(&link, "en", "set a timer for 2 seconds") == TCL_OK);
    CHECK(tcl_link_ask(&link, "en", "again") == TCL_BUSY);
    CHECK(fx.sent_count == 1 && fx.sent[0].type == TCL_ASK && fx.sent[0].session == 0xABCD0001u &&
          fx.sent[0].flags == 0 && memcmp(fx.sent[0].payload, "en\0set a timer", 14) == 0);
    host_sends(&fx, TCL_ACK, 0, 0xABCD0001u, link.ask_seq, NULL, 0);
    tcl_link_poll(&link);
    CHECK(link.state == TCL_WAIT_REPLY);
    fx.now += TCL_ACK_TIMEOUT_MS * 4; /* acked: the model may take its time, no resend */
    tcl_link_poll(&link);
    CHECK(fx.sent_count == 1);
    host_sends(&fx, TCL_REPLY, 0, 0xABCD0001u, link.ask_seq, REPLY, sizeof REPLY);
    host_sends(&fx, TCL_REPLY, 0, 0xABCD0001u, link.ask_seq, REPLY, sizeof REPLY); /* a duplicate answer */
    tcl_link_poll(&link);
    CHECK(fx.replies == 1 && !tcl_link_busy(&link));
    CHECK(strcmp(fx.reply_text, "en|timer_set|Timer set for 2 seconds.|") == 0);
    CHECK(strcmp(fx.slot, "seconds=2") == 0);
    CHECK(tcl_link_ask(&link, NULL, "next") == TCL_OK && fx.sent[1].seq == fx.sent[0].seq + 1);
    CHECK(memcmp(fx.sent[1].payload, "\0next", 6) == 0);
}

static void test_unanswered_ask_is_resent_then_fails(void) {
    fixture fx;
    tcl_link link;
    int i;
    start(&fx, &link);
    tcl_link_ask(&link, "en", "hello");
    for (i = 0; i < (int)TCL_MAX_RETRIES; i++) {
        fx.now += TCL_ACK_TIMEOUT_MS - 1;
        tcl_link_poll(&link);
        CHECK(fx.sent_count == i + 1);
        fx.now += 1;
        tcl_link_poll(&link);
        CHECK(fx.sent_count == i + 2 && fx.sent[i + 1].flags == TCL_FLAG_RETRANSMIT &&
              fx.sent[i + 1].seq == fx.sent[0].seq && fx.sent[i + 1].session == fx.sent[0].session);
    }
    fx.now += TCL_ACK_TIMEOUT_MS;
    tcl_link_poll(&link);
    CHECK(fx.sent_count == (int)TCL_MAX_RETRIES + 1 && fx.failures_seen == 1 && fx.failure.why == TCL_TIMEOUT);
    CHECK(!tcl_link_busy(&link));
}

static void test_acked_ask_without_reply_is_asked_again(void) {
    fixture fx;
    tcl_link link;
    start(&fx, &link);
    tcl_link_ask(&link, "en", "hello");
    host_sends(&fx, TCL_ACK, 0, link.ask_session, link.ask_seq, NULL, 0);
    tcl_link_poll(&link);
    fx.now += TCL_REPLY_TIMEOUT_MS;
    tcl_link_poll(&link);
    CHECK(fx.sent_count == 2 && fx.sent[1].flags == TCL_FLAG_RETRANSMIT && link.state == TCL_WAIT_ACK);
    host_sends(&fx, TCL_REPLY, 0, link.ask_session, link.ask_seq, REPLY, sizeof REPLY); /* ack lost, reply not */
    tcl_link_poll(&link);
    CHECK(fx.replies == 1);
}

static void test_nack_and_bad_reply_fail_the_ask(void) {
    fixture fx;
    tcl_link link;
    static const uint8_t nack[] = "\004assistant failed";
    start(&fx, &link);
    tcl_link_ask(&link, "en", "hello");
    host_sends(&fx, TCL_NACK, 0, link.ask_session, (uint16_t)(link.ask_seq + 1), nack, sizeof nack); /* not ours */
    tcl_link_poll(&link);
    CHECK(fx.failures_seen == 0);
    host_sends(&fx, TCL_NACK, 0, link.ask_session, link.ask_seq, nack, sizeof nack);
    tcl_link_poll(&link);
    CHECK(fx.failures_seen == 1 && fx.failure.why == TCL_REFUSED && fx.failure.nack_code == TCL_NACK_INTERNAL &&
          strcmp(fx.failure.message, "assistant failed") == 0);
    tcl_link_ask(&link, "en", "hello");
    host_sends(&fx, TCL_REPLY, 0, link.ask_session, link.ask_seq, "en\0only two", 12);
    tcl_link_poll(&link);
    CHECK(fx.failures_seen == 2 && fx.failure.why == TCL_BAD_REPLY && fx.replies == 0);
}

static void test_too_long_ask_is_refused(void) {
    fixture fx;
    tcl_link link;
    char text[TCL_MAX_PAYLOAD];
    start(&fx, &link);
    memset(text, 'a', sizeof text - 1);
    text[sizeof text - 1] = 0;
    CHECK(tcl_link_ask(&link, "en", text) == TCL_TOO_LONG && fx.sent_count == 0);
    text[TCL_MAX_PAYLOAD - 4] = 0; /* "en" NUL text NUL: exactly the limit */
    CHECK(tcl_link_ask(&link, "en", text) == TCL_OK && fx.sent[0].payload_len == TCL_MAX_PAYLOAD);
}

static const char EVENT[] = "timer\0003\0002026-11-23T10:00:02\0en\0Time's up!\0000";

static void test_events_are_acked_and_delivered_once(void) {
    fixture fx;
    tcl_link link;
    start(&fx, &link);
    host_sends(&fx, TCL_EVENT, 0, 0x5E55u, 4, EVENT, sizeof EVENT);
    host_sends(&fx, TCL_EVENT, TCL_FLAG_RETRANSMIT, 0x5E55u, 4, EVENT, sizeof EVENT); /* our ack was lost */
    tcl_link_poll(&link);
    CHECK(fx.events == 1 && strcmp(fx.event_text, "timer|3|Time's up!|0") == 0);
    CHECK(fx.sent_count == 2 && fx.sent[0].type == TCL_ACK && fx.sent[1].type == TCL_ACK && fx.sent[1].seq == 4);
    host_sends(&fx, TCL_EVENT, 0, 0x5E56u, 4, EVENT, sizeof EVENT); /* the host restarted: same seq, new event */
    host_sends(&fx, TCL_EVENT, 0, 0x5E56u, 5, "timer\0", 6);       /* fields missing */
    tcl_link_poll(&link);
    CHECK(fx.events == 2 && fx.sent_count == 4 && fx.sent[3].type == TCL_NACK &&
          fx.sent[3].payload[0] == TCL_NACK_BAD_PAYLOAD);
}

static void test_ping_pong_and_refusals(void) {
    fixture fx;
    tcl_link link;
    start(&fx, &link);
    host_sends(&fx, TCL_PING, 0, 0x5E55u, 9, "abc", 3);
    host_sends(&fx, TCL_ASK, 0, 0x5E55u, 10, "en\0hi", 6);
    host_sends(&fx, 42, 0, 0x5E55u, 11, NULL, 0);
    tcl_link_poll(&link);
    CHECK(fx.sent_count == 3);
    CHECK(fx.sent[0].type == TCL_PONG && fx.sent[0].seq == 9 && fx.sent[0].payload_len == 3 &&
          memcmp(fx.sent[0].payload, "abc", 3) == 0);
    CHECK(fx.sent[1].type == TCL_NACK && fx.sent[1].payload[0] == TCL_NACK_UNEXPECTED);
    CHECK(fx.sent[2].type == TCL_NACK && fx.sent[2].payload[0] == TCL_NACK_UNKNOWN_TYPE);
    tcl_link_ping(&link);
    fx.now += 7;
    host_sends(&fx, TCL_PONG, 0, fx.sent[3].session, fx.sent[3].seq, NULL, 0);
    tcl_link_poll(&link);
    CHECK(link.rtt_ms == 7 && !link.ping_pending && link.frames_in == 4);
}

static void test_seq_wrap_starts_a_new_session(void) {
    fixture fx;
    tcl_link link;
    start(&fx, &link);
    link.next_seq = 0xFFFFu;
    tcl_link_ask(&link, "en", "last of this session");
    CHECK(fx.sent[0].seq == 0xFFFFu && fx.sent[0].session == 0xABCD0001u);
    host_sends(&fx, TCL_REPLY, 0, 0xABCD0001u, 0xFFFFu, REPLY, sizeof REPLY);
    tcl_link_poll(&link);
    tcl_link_ask(&link, "en", "first of the next");
    CHECK(fx.sent[1].seq == 0 && fx.sent[1].session == 0xABCD0002u);
}

int main(void) {
    test_crc();
    test_cobs_reference_examples();
    test_cobs_round_trips_and_rejects();
    test_documented_frame_vector();
    test_decoder();
    test_fields();
    test_ask_ack_reply();
    test_unanswered_ask_is_resent_then_fails();
    test_acked_ask_without_reply_is_asked_again();
    test_nack_and_bad_reply_fail_the_ask();
    test_too_long_ask_is_refused();
    test_events_are_acked_and_delivered_once();
    test_ping_pong_and_refusals();
    test_seq_wrap_starts_a_new_session();
    printf("test_link: %d checks, %d failed; sizeof(tcl_link) = %u bytes\n", checks, failures,
           (unsigned)sizeof(tcl_link));
    return failures == 0 ? 0 : 1;
}
