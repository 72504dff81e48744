/* `run`: the pipeline runs followed and the latest finished (spec section 8). */
#include <stdio.h>

#include "cmd.h"
#include "commands.h"
#include "console.h"
#include "runs.h"

void cmd_run(const char *args)
{
    if (args[0] != '\0') {
        con_err("bad-argument", "usage: run");
        return;
    }
    runs_info_t r;
    for (unsigned i = 0; runs_get(i, &r); i++) {
        char build[12] = "-";
        if (r.build != 0) {
            snprintf(build, sizeof build, "%lu", (unsigned long)r.build);
        }
        con_info("id=%s build=%s state=%s result=%s%s%s", r.run_id, build, r.state, r.result != NULL ? r.result : "-",
                 r.reason != NULL ? " reason=" : "", r.reason != NULL ? r.reason : "");
    }
    con_ok(NULL);
}
