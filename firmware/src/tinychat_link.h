/*
 * tinychat_link: the device side of the tinychat serial link (see firmware/PROTOCOL.md).
 *
 * Portable C99, no dynamic allocation, no OS calls: the caller supplies a millisecond clock and non-blocking
 * byte I/O, then calls tcl_link_poll() from its main loop. One tcl_link takes about 1.7 KB of RAM
 * (sizeof(tcl_link)); frames are built and parsed in place.
 */
#ifndef TINYCHAT_LINK_H
#define TINYCHAT_LINK_H

#include <stddef.h>
#include <stdint.h>

#define TCL_PROTOCOL_VERSION 1u
#define TCL_MAX_PAYLOAD 512u
#define TCL_HEADER_SIZE 9u /* version, type, flags, session (u32 BE), seq (u16 BE) */
#define TCL_CRC_SIZE 2u    /* CRC-16/CCITT-FALSE over header and payload, big-endian */
#define TCL_MAX_BODY (TCL_HEADER_SIZE + TCL_MAX_PAYLOAD + TCL_CRC_SIZE)
#define TCL_MAX_ENCODED (TCL_MAX_BODY + TCL_MAX_BODY / 254u + 1u)
#define TCL_MAX_WIRE (TCL_MAX_ENCODED + 2u) /* with the 0x00 before and after */

/* Defaults of tcl_timing: the host answers an ASK with an ACK at once, the REPLY may take the model a while. */
#define TCL_ACK_TIMEOUT_MS 250u
#define TCL_REPLY_TIMEOUT_MS 10000u
#define TCL_MAX_RETRIES 5u

typedef enum {
    TCL_ASK = 1,   /* device -> host: a question */
    TCL_REPLY = 2, /* host -> device: its answer (same session and seq) */
    TCL_EVENT = 3, /* host -> device: a timer/alarm/reminder fired */
    TCL_PING = 4,
    TCL_PONG = 5,
    TCL_ACK = 6,
    TCL_NACK = 7
} tcl_type;

enum { TCL_FLAG_RETRANSMIT = 0x01, TCL_FLAG_TRUNCATED = 0x02 };

/* The error code carried in the first byte of a NACK payload. */
typedef enum {
    TCL_NACK_UNSUPPORTED_VERSION = 1,
    TCL_NACK_UNKNOWN_TYPE = 2,
    TCL_NACK_BAD_PAYLOAD = 3,
    TCL_NACK_INTERNAL = 4,
    TCL_NACK_UNEXPECTED = 5
} tcl_nack_code;

typedef enum {
    TCL_OK = 0,
    TCL_BUSY = -1,      /* an ask is still outstanding (one at a time) */
    TCL_TOO_LONG = -2,  /* the text does not fit TCL_MAX_PAYLOAD */
    TCL_TIMEOUT = -3,   /* no ACK or REPLY after all retries */
    TCL_REFUSED = -4,   /* the host answered with a NACK */
    TCL_BAD_REPLY = -5  /* a REPLY whose payload lacks its fields */
} tcl_status;

/* ---- codec ---- */

/* CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, not reflected, no final xor; "123456789" -> 0x29B1. */
uint16_t tcl_crc16(const uint8_t *data, size_t len);

/* COBS-encode src into dst (no zero byte in the result); returns its length, 0 when cap is too small. */
size_t tcl_cobs_encode(const uint8_t *src, size_t len, uint8_t *dst, size_t cap);

#define TCL_COBS_ERROR ((size_t)-1)
/* Undo tcl_cobs_encode; dst may be src (decodes in place). Returns the length or TCL_COBS_ERROR. */
size_t tcl_cobs_decode(const uint8_t *src, size_t len, uint8_t *dst, size_t cap);

typedef struct {
    uint8_t version;
    uint8_t type;
    uint8_t flags;
    uint32_t session;
    uint16_t seq;
    const uint8_t *payload;
    size_t payload_len;
} tcl_frame;

/* The wire bytes 00 COBS(header|payload|crc) 00 into wire; returns their count, 0 when too long or cap too small. */
size_t tcl_frame_encode(const tcl_frame *frame, uint8_t *wire, size_t cap);

/* Cuts a byte stream into checked frames; garbage, bit flips and cut-off frames cost only themselves. */
typedef struct {
    uint8_t buffer[TCL_MAX_ENCODED];
    size_t len;
    int overflowed;
    uint32_t frames;
    uint32_t rejected;
} tcl_decoder;

void tcl_decoder_init(tcl_decoder *decoder);
/* Returns 1 when byte completes a valid frame; out->payload then points into the decoder until the next push. */
int tcl_decoder_push(tcl_decoder *decoder, uint8_t byte, tcl_frame *out);

/* A payload's NUL-terminated UTF-8 fields, read in place. */
typedef struct {
    const uint8_t *next;
    const uint8_t *end;
} tcl_fields;

void tcl_fields_init(tcl_fields *fields, const uint8_t *payload, size_t len);
/* The next field as a C string, or NULL when there is none (or it lacks its NUL). */
const char *tcl_fields_next(tcl_fields *fields);

/* ---- the link ---- */

typedef struct {
    uint16_t seq;
    uint8_t flags; /* TCL_FLAG_TRUNCATED: text was cut to fit */
    const char *lang;
    const char *intent;
    const char *text;
    const char *pending; /* the question the assistant waits on, "" when none */
    tcl_fields slots;    /* name, value, name, value ... */
} tcl_reply;

typedef struct {
    uint32_t session;
    uint16_t seq;
    uint8_t flags;
    const char *kind; /* "timer", "alarm", "reminder" */
    const char *id;
    const char *due; /* ISO 8601 local time */
    const char *lang;
    const char *text;
    int missed; /* came due while the assistant was not running */
    tcl_fields data;
} tcl_event;

typedef struct {
    uint16_t seq;
    tcl_status why;
    uint8_t nack_code;   /* tcl_nack_code when why == TCL_REFUSED, else 0 */
    const char *message; /* the NACK's message, or "" */
} tcl_failure;

typedef struct {
    void *ctx;
    uint32_t (*now_ms)(void *ctx);                                /* any free-running ms counter; wraps */
    size_t (*read)(void *ctx, uint8_t *buffer, size_t capacity); /* bytes available now, 0 when none */
    void (*write)(void *ctx, const uint8_t *data, size_t len);   /* all of it (may block or queue) */
    void (*on_reply)(void *ctx, const tcl_reply *reply);         /* may call tcl_link_ask for the next one */
    void (*on_event)(void *ctx, const tcl_event *event);         /* each event once, even when resent */
    void (*on_ask_failed)(void *ctx, const tcl_failure *failure);
} tcl_io;

typedef struct {
    uint32_t ack_timeout_ms;
    uint32_t reply_timeout_ms;
    uint8_t max_retries; /* resends of an ask before it fails (max_retries + 1 tries in all) */
} tcl_timing;

typedef enum { TCL_IDLE, TCL_WAIT_ACK, TCL_WAIT_REPLY } tcl_state;

typedef struct {
    tcl_io io;
    tcl_timing timing;
    uint32_t session; /* names this boot's asks; bumped when seq wraps, so ids never repeat */
    uint16_t next_seq;
    tcl_state state;
    uint32_t ask_session;
    uint16_t ask_seq;
    uint32_t sent_at;
    uint8_t tries;
    uint8_t ask_payload[TCL_MAX_PAYLOAD];
    size_t ask_payload_len;
    int have_event; /* the last event delivered, to answer a resend without delivering it twice */
    uint32_t event_session;
    uint16_t event_seq;
    int ping_pending;
    uint16_t ping_seq;
    uint32_t ping_sent_at;
    uint32_t rtt_ms;     /* round trip of the last answered tcl_link_ping */
    uint32_t frames_in;  /* valid frames from the host: nonzero once the host has spoken */
    uint32_t retransmits;
    tcl_decoder decoder;
    uint8_t tx[TCL_MAX_WIRE];
} tcl_link;

/*
 * session must differ between boots (a boot counter kept in flash, an RTC reading, ADC noise, a random number):
 * the host treats (session, seq) as the id of an ask and answers a repeated id from its store without acting.
 * timing may be NULL for the defaults above. Writes nothing.
 */
void tcl_link_init(tcl_link *link, const tcl_io *io, const tcl_timing *timing, uint32_t session);

/* Send a question; lang NULL or "" lets the host detect it. TCL_OK: its seq is link->ask_seq. */
tcl_status tcl_link_ask(tcl_link *link, const char *lang, const char *text);

/* Ask the host whether it is there; its PONG sets rtt_ms. */
tcl_status tcl_link_ping(tcl_link *link);

/* Read what has arrived, answer the host, fire callbacks, resend on timeout. Call it often. */
void tcl_link_poll(tcl_link *link);

int tcl_link_busy(const tcl_link *link);

#endif
