/* Command handlers that live beside the module they drive; the table that
 * names them all is in commands.c. */
#ifndef COMMANDS_H
#define COMMANDS_H

void cmd_config(const char *args);
void cmd_net(const char *args);
void cmd_time(const char *args);

#endif
