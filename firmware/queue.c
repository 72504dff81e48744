#include "queue.h"

#include <string.h>

static queue_entry_t s_entries[QUEUE_CAPACITY];
static unsigned s_count;

void queue_init(void)
{
    s_count = 0;
}

bool queue_push(const trigger_rec_t *rec)
{
    if (s_count >= QUEUE_CAPACITY) {
        return false;
    }
    queue_entry_t *e = &s_entries[s_count++];
    memset(e, 0, sizeof *e);
    e->rec = *rec;
    e->next_at = 0;
    strcpy(e->last, "new");
    return true;
}

unsigned queue_count(void)
{
    return s_count;
}

queue_entry_t *queue_at(unsigned index)
{
    return index < s_count ? &s_entries[index] : NULL;
}

queue_entry_t *queue_find(const char *run_id)
{
    char id[PAYLOAD_ID_MAX + 24];
    for (unsigned i = 0; i < s_count; i++) {
        payload_run_id(&s_entries[i].rec, id, sizeof id);
        if (strcmp(id, run_id) == 0) {
            return &s_entries[i];
        }
    }
    return NULL;
}

queue_entry_t *queue_next_due(uint32_t now)
{
    for (unsigned i = 0; i < s_count; i++) {
        if ((int32_t)(now - s_entries[i].next_at) >= 0) {
            return &s_entries[i];
        }
    }
    return NULL;
}

void queue_remove(const queue_entry_t *e)
{
    unsigned i = (unsigned)(e - s_entries);
    if (i >= s_count) {
        return;
    }
    memmove(&s_entries[i], &s_entries[i + 1], (s_count - i - 1) * sizeof s_entries[0]);
    s_count--;
}
