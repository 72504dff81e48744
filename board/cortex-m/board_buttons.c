#include "board_buttons.h"

#include "hal_button.h"

unsigned hal_button_count(void)
{
    return board_button_count;
}

const char *hal_button_name(unsigned index)
{
    return index < board_button_count ? board_buttons[index].name : "?";
}

unsigned hal_button_primary(void)
{
    return board_button_primary;
}

uint32_t hal_button_levels(void)
{
    uint32_t levels = 0;
    for (unsigned i = 0; i < board_button_count; i++) {
        const board_button_t *b = &board_buttons[i];
        if (board_pin_read(b->port, b->pin) != b->active_low) {
            levels |= 1u << i;
        }
    }
    return levels;
}
