/*
 * The serial console (spec section 2): reads lines through the line editor,
 * dispatches them to the command table, and frames every output line as an
 * information line, a final OK/ERR line or an asynchronous EVT line.
 */
#ifndef CONSOLE_H
#define CONSOLE_H

#include <stdbool.h>
#include <stdint.h>

/* Longest output line, without CRLF; longer output is cut (never split). */
#define CON_LINE_MAX 600u

void console_init(void);

/* Superloop task: handles the input received so far.  Each complete line is
 * executed before the next is read. */
void console_task(void);

/* Output; every call writes one whole line, ending in CRLF.  A line waits for
 * room in the transmit buffer rather than being dropped. */
void con_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* `OK` followed by " " and the formatted pairs when fmt is not NULL. */
void con_ok(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* `ERR <code>: <text>`. */
void con_err(const char *code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* `EVT <name and pairs>`; safe to call at any time from the superloop. */
void con_evt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Output bytes given up because the UART took nothing for CON_STALL_MS. */
uint32_t console_tx_dropped(void);

/* A command whose answer comes later (a DNS lookup, say) calls this instead
 * of answering; input waits in the receive buffer until that command's
 * con_ok/con_err arrives. */
void console_defer(void);

/* Multi-line input (`ca add`, `config import begin`): while a capture
 * function is set, every line goes to it instead of the command table
 * (CONSOLE_LINE), an over-long line as CONSOLE_TOO_LONG (line NULL), and
 * after CONSOLE_CAPTURE_IDLE_MS without a byte of input CONSOLE_IDLE (line
 * NULL), the capture having ended already.  The function ends the capture
 * with console_capture(NULL) and writes the final line.
 *
 * The capture has a buffer of its own, console_capture_buffer(): not the
 * heap, whose memory a TLS handshake may need at the same moment. */
#define CONSOLE_CAPTURE_MAX 2048u
#define CONSOLE_CAPTURE_IDLE_MS 60000u
typedef enum { CONSOLE_LINE, CONSOLE_TOO_LONG, CONSOLE_IDLE } console_input_t;
typedef void (*console_capture_fn)(console_input_t what, const char *line);
void console_capture(console_capture_fn fn);
/* CONSOLE_CAPTURE_MAX bytes, for whoever holds the capture. */
uint8_t *console_capture_buffer(void);
/* With echo on, show every typed byte as '*' (a multi-line import may hold
 * the secret); off again when the capture ends. */
void console_mask_input(bool mask);
bool console_capturing(void);

void console_set_echo(bool on);
bool console_echo(void);

/* Final lines written since boot: the dispatcher checks that each command
 * wrote exactly one. */
uint32_t console_final_count(void);

#endif
