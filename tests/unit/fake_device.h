/* A freshly booted device for the host tests: every fake reset, an empty
 * store opened on the NOR fake, console, configuration and clock initialised
 * (what main() does before the superloop, minus the network). */
#ifndef FAKE_DEVICE_H
#define FAKE_DEVICE_H

void fake_device_fresh(void);

#endif
