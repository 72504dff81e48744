/*
 * The hardware abstraction layer: the only doorway between the portable
 * firmware and a board.  Every board implements every function declared in the
 * hal_*.h headers; the host unit tests implement them as fakes.
 *
 * Rules that hold for all of them:
 *  - Nothing here blocks unless its comment says so.
 *  - Functions are called from the superloop (thread mode) unless marked
 *    "ISR-safe".
 */
#ifndef HAL_H
#define HAL_H

#include "hal_board.h"
#include "hal_button.h"
#include "hal_console.h"
#include "hal_entropy.h"
#include "hal_eth.h"
#include "hal_led.h"
#include "hal_nvm.h"
#include "hal_reset.h"
#include "hal_time.h"
#include "hal_wdt.h"

#endif
