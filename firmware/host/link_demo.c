/*
 * link_demo: plays an appliance MCU on a POSIX tty, using tinychat_link as firmware would.
 *
 *   link_demo (--pty | PORT) [--baud N] [--lang LANG] [--session HEX] [--events N] [--timeout S] [QUESTION...]
 *
 * PORT is a tty to open (raw 8N1). --pty makes a pseudo-terminal instead, prints "PTY <slave path>" and talks
 * on its master, like a USB-serial gadget: point `tinychat serve --serial <slave path>` at it. The demo pings
 * until the host answers, asks each QUESTION in turn, then waits for N events. Output is one tab-separated line
 * per result (REPLY, FAILED, EVENT, STATS); exit status 0 when every question was answered and every event came.
 */
#define _XOPEN_SOURCE 600

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "../src/tinychat_link.h"

typedef struct {
    int fd;
    int lost;    /* the other end went away (EIO / hang-up) */
    int settled; /* the current question was answered or failed */
    int failed;
    int events;
    int wanted_events;
    uint32_t last_ping;
} line;

static uint32_t now_ms(void *ctx) {
    struct timespec ts;
    (void)ctx;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)ts.tv_sec * 1000u + (uint32_t)(ts.tv_nsec / 1000000);
}

static size_t read_line(void *ctx, uint8_t *buffer, size_t capacity) {
    line *l = ctx;
    ssize_t n = read(l->fd, buffer, capacity);
    if (n > 0) {
        return (size_t)n;
    }
    if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        l->lost = 1;
    }
    return 0;
}

static void write_line(void *ctx, const uint8_t *data, size_t len) {
    line *l = ctx;
    struct pollfd out;
    while (len > 0 && !l->lost) {
        ssize_t n = write(l->fd, data, len);
        if (n > 0) {
            data += n;
            len -= (size_t)n;
        } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
            l->lost = 1;
        } else {
            out.fd = l->fd;
            out.events = POLLOUT;
            poll(&out, 1, 10);
        }
    }
}

static void on_reply(void *ctx, const tcl_reply *reply) {
    line *l = ctx;
    tcl_fields slots = reply->slots;
    const char *name;
    printf("REPLY\t%u\t%s\t%s\t%s\t%s\t", (unsigned)reply->seq, reply->lang, reply->intent, reply->text,
           reply->pending);
    while ((name = tcl_fields_next(&slots)) != NULL) {
        const char *value = tcl_fields_next(&slots);
        printf("%s=%s ", name, value != NULL ? value : "");
    }
    printf("\n");
    fflush(stdout);
    l->settled = 1;
}

static void on_event(void *ctx, const tcl_event *event) {
    line *l = ctx;
    printf("EVENT\t%s\t%s\t%s\t%s\t%d\n", event->kind, event->id, event->lang, event->text, event->missed);
    fflush(stdout);
    l->events++;
}

static void on_ask_failed(void *ctx, const tcl_failure *failure) {
    line *l = ctx;
    printf("FAILED\t%u\t%d\t%u\t%s\n", (unsigned)failure->seq, (int)failure->why, (unsigned)failure->nack_code,
           failure->message);
    fflush(stdout);
    l->settled = 1;
    l->failed++;
}

static speed_t baud_constant(long baud) {
    switch (baud) {
    case 9600: return B9600;
    case 19200: return B19200;
    case 38400: return B38400;
    case 57600: return B57600;
    case 115200: return B115200;
    default: return 0;
    }
}

static int make_raw(int fd, speed_t speed) {
    struct termios t;
    if (tcgetattr(fd, &t) != 0) {
        return -1;
    }
    t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON | IXOFF);
    t.c_oflag &= ~(tcflag_t)OPOST;
    t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB | CSTOPB);
    t.c_cflag |= CS8 | CLOCAL | CREAD;
    t.c_cc[VMIN] = 0;
    t.c_cc[VTIME] = 0;
    cfsetispeed(&t, speed);
    cfsetospeed(&t, speed);
    return tcsetattr(fd, TCSANOW, &t);
}

/* A pty whose slave stays open here (raw, so nothing is echoed) until the host opens it. */
static int open_pty(speed_t speed, int *slave) {
    const char *path;
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0 || (path = ptsname(master)) == NULL) {
        return -1;
    }
    *slave = open(path, O_RDWR | O_NOCTTY);
    if (*slave < 0 || make_raw(*slave, speed) != 0) {
        return -1;
    }
    printf("PTY\t%s\n", path);
    fflush(stdout);
    return master;
}

static int usage(void) {
    fprintf(stderr, "usage: link_demo (--pty | PORT) [--baud N] [--lang LANG] [--session HEX] [--events N] "
                    "[--timeout SECONDS] [QUESTION...]\n");
    return 2;
}

/* Poll the link until done() or the deadline; 0 when done. */
static int run_until(tcl_link *link, line *l, uint32_t deadline, int (*done)(tcl_link *, line *)) {
    struct pollfd in;
    while (!done(link, l)) {
        if (l->lost || (int32_t)(now_ms(NULL) - deadline) >= 0) {
            return -1;
        }
        in.fd = l->fd;
        in.events = POLLIN;
        poll(&in, 1, 2);
        tcl_link_poll(link);
    }
    return 0;
}

/* The host may open its end after us and flush what came before: ping until it answers. */
static int host_heard(tcl_link *link, line *l) {
    if (link->frames_in > 0) {
        return 1;
    }
    if (now_ms(NULL) - l->last_ping >= 200u) {
        tcl_link_ping(link);
        l->last_ping = now_ms(NULL);
    }
    return 0;
}

static int never(tcl_link *link, line *l) {
    (void)link;
    (void)l;
    return 0;
}

static int question_settled(tcl_link *link, line *l) { return l->settled && !tcl_link_busy(link); }

static int events_arrived(tcl_link *link, line *l) {
    (void)link;
    return l->events >= l->wanted_events;
}

int main(int argc, char **argv) {
    const char *port = NULL;
    const char *lang = "";
    long baud = 115200;
    double timeout_s = 30.0;
    uint32_t session = 0;
    int use_pty = 0, slave = -1, first_question = argc, i, status;
    line l = {-1, 0, 0, 0, 0, 0, 0};
    tcl_link link;
    tcl_io io = {NULL, now_ms, read_line, write_line, on_reply, on_event, on_ask_failed};
    uint32_t deadline;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--pty") == 0) {
            use_pty = 1;
        } else if (i + 1 < argc && strcmp(argv[i], "--baud") == 0) {
            baud = strtol(argv[++i], NULL, 10);
        } else if (i + 1 < argc && strcmp(argv[i], "--lang") == 0) {
            lang = argv[++i];
        } else if (i + 1 < argc && strcmp(argv[i], "--session") == 0) {
            session = (uint32_t)strtoul(argv[++i], NULL, 16);
        } else if (i + 1 < argc && strcmp(argv[i], "--events") == 0) {
            l.wanted_events = atoi(argv[++i]);
        } else if (i + 1 < argc && strcmp(argv[i], "--timeout") == 0) {
            timeout_s = atof(argv[++i]);
        } else if (argv[i][0] == '-') {
            return usage();
        } else if (!use_pty && port == NULL) {
            port = argv[i];
        } else {
            first_question = i;
            break;
        }
    }
    if ((port == NULL) == !use_pty || baud_constant(baud) == 0) {
        return usage();
    }
    l.fd = use_pty ? open_pty(baud_constant(baud), &slave) : open(port, O_RDWR | O_NOCTTY);
    if (l.fd < 0 || (!use_pty && make_raw(l.fd, baud_constant(baud)) != 0) ||
        fcntl(l.fd, F_SETFL, fcntl(l.fd, F_GETFL) | O_NONBLOCK) != 0) {
        fprintf(stderr, "link_demo: cannot open %s: %s\n", use_pty ? "a pty" : port, strerror(errno));
        return 1;
    }
    if (session == 0) {
        session = now_ms(NULL) ^ ((uint32_t)getpid() << 16); /* differs between boots, as firmware's must */
    }
    io.ctx = &l;
    l.last_ping = now_ms(NULL) - 1000u;
    tcl_link_init(&link, &io, NULL, session);
    deadline = now_ms(NULL) + (uint32_t)(timeout_s * 1000.0);

    status = run_until(&link, &l, deadline, host_heard);
    for (i = first_question; status == 0 && i < argc; i++) {
        l.settled = 0;
        if (tcl_link_ask(&link, lang, argv[i]) != TCL_OK) {
            printf("FAILED\t-\t%d\t0\ttoo long\n", (int)TCL_TOO_LONG);
            l.failed++;
            continue;
        }
        status = run_until(&link, &l, deadline, question_settled);
    }
    if (status == 0) {
        status = run_until(&link, &l, deadline, events_arrived);
    }
    if (status == 0) { /* linger, so the host reads our last ACK (and a resend is answered) before the line closes */
        run_until(&link, &l, now_ms(NULL) + 200u, never);
    }
    printf("STATS\tframes_in=%u\trejected=%u\tretransmits=%u\tevents=%d\t%s\n", (unsigned)link.frames_in,
           (unsigned)link.decoder.rejected, (unsigned)link.retransmits, l.events,
           l.lost ? "line lost" : status != 0 ? "timed out" : "ok");
    if (slave >= 0) {
        close(slave);
    }
    close(l.fd);
    return status == 0 && l.failed == 0 ? 0 : 1;
}
