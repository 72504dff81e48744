#include "console.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "hal_console.h"
#include "hal_time.h"
#include "hal_wdt.h"
#include "lineed.h"

static lineed_t s_ed;
static bool s_echo;
static bool s_prompt_shown; /* "> " and the partial line are on the terminal */
static uint32_t s_finals;
static bool s_deferred; /* a command's final line is still to come */
static bool s_running;  /* a line is being handled: the prompt waits for its end */
static console_capture_fn s_capture;
static uint32_t s_heard_at; /* when the last input byte came, for a capture's idle end */
static uint8_t s_capture_buf[CONSOLE_CAPTURE_MAX] __attribute__((aligned(4)));

/* Longest wait for room in the transmit buffer before output is given up:
 * 2 KB drain in 180 ms at 115200 baud, so only a dead UART gets here. */
#define CON_STALL_MS 500u

static uint32_t s_dropped;

static void write_all(const char *s, size_t len)
{
    const uint8_t *p = (const uint8_t *)s;
    uint32_t progress_at = hal_millis();
    while (len > 0) {
        size_t n = hal_console_write(p, len);
        p += n;
        len -= n;
        if (n > 0) {
            progress_at = hal_millis();
        } else if ((uint32_t)(hal_millis() - progress_at) >= CON_STALL_MS) {
            s_dropped += (uint32_t)len;
            return;
        }
        if (len > 0) {
            /* The UART drains the buffer by interrupt; a long `help` waits
             * here for a few milliseconds at most. */
            hal_wdt_feed();
        }
    }
}

uint32_t console_tx_dropped(void)
{
    return s_dropped;
}

static void echo_out(const char *s, size_t len)
{
    write_all(s, len);
}

static void show_prompt(void)
{
    if (s_echo && !s_prompt_shown && !s_deferred && !s_running) {
        write_all("> ", 2);
        lineed_redraw(&s_ed);
        s_prompt_shown = true;
    }
}

static void vline(const char *prefix, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void vline(const char *prefix, const char *fmt, va_list ap)
{
    char line[CON_LINE_MAX + 3];
    size_t n = 0;
    if (prefix != NULL) {
        n = (size_t)snprintf(line, CON_LINE_MAX + 1, "%s", prefix);
    }
    if (fmt != NULL && n < CON_LINE_MAX) {
        int m = vsnprintf(line + n, CON_LINE_MAX + 1 - n, fmt, ap);
        if (m > 0) {
            n += (size_t)m;
        }
    }
    if (n > CON_LINE_MAX) {
        n = CON_LINE_MAX;
    }
    line[n++] = '\r';
    line[n++] = '\n';
    if (s_prompt_shown) {
        write_all("\r\n", 2); /* an event interrupts a half-typed line */
        s_prompt_shown = false;
    }
    write_all(line, n);
}

void con_info(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vline(NULL, fmt, ap);
    va_end(ap);
}

static void finished(void)
{
    s_finals++;
    if (s_deferred) {
        s_deferred = false;
        show_prompt();
    }
}

void console_defer(void)
{
    s_deferred = true;
    s_finals++; /* the dispatcher's "exactly one final line" is kept later */
}

void con_ok(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vline(fmt != NULL ? "OK " : "OK", fmt, ap);
    va_end(ap);
    finished();
}

void con_err(const char *code, const char *fmt, ...)
{
    char prefix[48];
    snprintf(prefix, sizeof prefix, "ERR %s: ", code);
    va_list ap;
    va_start(ap, fmt);
    vline(prefix, fmt, ap);
    va_end(ap);
    finished();
}

void con_evt(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vline("EVT ", fmt, ap);
    va_end(ap);
    show_prompt();
}

uint32_t console_final_count(void)
{
    return s_finals;
}

void console_capture(console_capture_fn fn)
{
    s_capture = fn;
    s_heard_at = hal_millis();
    if (fn == NULL) {
        s_ed.mask_all = false;
        /* it may have held the secret or a certificate being added */
        memset(s_capture_buf, 0, sizeof s_capture_buf);
    }
}

uint8_t *console_capture_buffer(void)
{
    return s_capture_buf;
}

bool console_capturing(void)
{
    return s_capture != NULL;
}

void console_mask_input(bool mask)
{
    s_ed.mask_all = mask;
}

void console_set_echo(bool on)
{
    s_echo = on;
    lineed_set_echo(&s_ed, on ? echo_out : NULL);
    lineed_set_secret(&s_ed, cmd_secret_from);
}

bool console_echo(void)
{
    return s_echo;
}

void console_init(void)
{
    lineed_init(&s_ed);
    s_prompt_shown = false;
    s_running = false;
    s_dropped = 0;
    s_deferred = false;
    s_capture = NULL;
    console_set_echo(false);
}

void console_task(void)
{
    /* One byte at a time: a deferred command stops the reading right after
     * its line, leaving the rest buffered. */
    uint8_t buf[1];
    size_t n;
    while (!s_deferred && (n = hal_console_read(buf, sizeof buf)) > 0) {
        s_heard_at = hal_millis();
        for (size_t i = 0; i < n; i++) {
            show_prompt();
            lineed_result_t r = lineed_feed(&s_ed, (char)buf[i]);
            if (r == LINEED_NONE) {
                continue;
            }
            s_prompt_shown = false;
            s_running = true;
            if (s_capture != NULL) {
                s_capture(r == LINEED_TOO_LONG ? CONSOLE_TOO_LONG : CONSOLE_LINE,
                          r == LINEED_TOO_LONG ? NULL : s_ed.line);
            } else if (r == LINEED_TOO_LONG) {
                con_err("line-too-long", "a line holds at most %u bytes; nothing was run", LINEED_MAX);
            } else if (s_ed.len > 0) {
                cmd_dispatch(s_ed.line);
            }
            s_running = false;
            lineed_reset(&s_ed);
            if (!s_deferred) {
                show_prompt();
            }
        }
    }
    /* An abandoned capture (a person who walked away, a tool that died
     * mid-certificate) ends by itself. */
    if (s_capture != NULL && (uint32_t)(hal_millis() - s_heard_at) >= CONSOLE_CAPTURE_IDLE_MS) {
        console_capture_fn fn = s_capture;
        lineed_reset(&s_ed); /* a partial line belonged to the capture */
        console_capture(NULL);
        fn(CONSOLE_IDLE, NULL);
        show_prompt();
    }
}
