/* A freshly booted device for the host tests: every fake reset, an empty
 * store opened on the NOR fake, console, configuration and clock initialised
 * (what main() does before the superloop, minus the network). */
#ifndef FAKE_DEVICE_H
#define FAKE_DEVICE_H

void fake_device_fresh(void);

/* fake_device_fresh plus what delivery needs: the scripted transport, the
 * mbedTLS heap, an empty queue, triggers, lwIP (started once per process:
 * its address stays up from test to test, the tests' clock going back to 0
 * only delaying its timers), a static address and the endpoint org
 * "contoso", webhook "port_trigger", secret FAKE_DEVICE_SECRET.  The clock,
 * https_init and the tasks are the test's. */
#define FAKE_DEVICE_SECRET "Deliv3ry-S3cret"
void fake_device_delivering(void);

/* config set that must succeed: the test fails with the reason otherwise. */
void fake_device_set(const char *key, const char *value);

/* The console's output as a test reads it: collected across calls (at most
 * 64 KB, the rest dropped), searched, counted, cleared. */
void fake_out_collect(void);
const char *fake_out(void);
void fake_out_clear(void);
void fake_out_expect(const char *text); /* fails the test when absent */
unsigned fake_out_count(const char *text);

#endif
