/*
 * The command table.  A command is the first word of a line; its handler gets
 * the rest of the line (after one space, or "" when there is none) and must
 * finish with exactly one con_ok() or con_err().
 */
#ifndef CMD_H
#define CMD_H

#include <stddef.h>

typedef void (*cmd_handler_t)(const char *args);

typedef struct {
    const char *name;
    const char *usage; /* arguments, as shown by help */
    const char *help;  /* one line */
    cmd_handler_t handler;
} cmd_t;

/* The table, NULL-name terminated; defined in commands.c. */
extern const cmd_t cmd_table[];

/* Runs one line.  Unknown commands get ERR unknown-command. */
void cmd_dispatch(const char *line);

/* For the line editor's echo (lineed_secret_fn): where the secret starts
 * in a line typed so far: the value of `config set <write-only key>`, an
 * inline `config import`, the passphrase of `lock set` and `unlock`.  Words
 * are found as the commands read them (any number of spaces; a tab is a
 * space by then), so no spacing shows a secret.  SIZE_MAX: none. */
size_t cmd_secret_from(const char *line, size_t len);

/* Splits "word rest": copies the first word (at most size-1 bytes) and
 * returns the rest after the separating spaces ("" when none).  NULL if the
 * word does not fit. */
const char *cmd_word(const char *s, char *word, unsigned size);

#endif
