#ifndef HAL_BUTTON_H
#define HAL_BUTTON_H

#include <stdint.h>

/* The board's buttons by index 0..hal_button_count()-1, at most 32. */
unsigned hal_button_count(void);

/* The button's name as the spec gives it ("select", "up", "user", ...). */
const char *hal_button_name(unsigned index);

/* Index of the primary button (spec section 1). */
unsigned hal_button_primary(void);

/* Raw, undebounced levels of all buttons: bit i set = button i pressed
 * (the board applies the pin polarity).  ISR-safe, cheap: the firmware calls
 * it from the tick hook every millisecond. */
uint32_t hal_button_levels(void);

#endif
