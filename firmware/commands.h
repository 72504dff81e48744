/* The command handlers (cmd_*.c); the table that names them all, and the
 * commands that drive no module of their own, are in commands.c. */
#ifndef COMMANDS_H
#define COMMANDS_H

#include <stdbool.h>

void cmd_ca(const char *args);
void cmd_config(const char *args);
void cmd_lock(const char *args);
void cmd_unlock(const char *args);
void cmd_net(const char *args);
void cmd_queue(const char *args);
void cmd_run(const char *args);
void cmd_time(const char *args);
void cmd_trigger(const char *args);

/* Whether a locked console refuses the command name with these arguments
 * (cmd_lock.c): everything that changes the device. */
bool cmd_lock_refuses(const char *name, const char *args);

#endif
