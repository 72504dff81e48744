/*
 * The command table.  A command is the first word of a line; its handler gets
 * the rest of the line (after one space, or "" when there is none) and must
 * finish with exactly one con_ok() or con_err().
 */
#ifndef CMD_H
#define CMD_H

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

/* Splits "word rest": copies the first word (at most size-1 bytes) and
 * returns the rest after the separating spaces ("" when none).  NULL if the
 * word does not fit. */
const char *cmd_word(const char *s, char *word, unsigned size);

#endif
