#ifndef VERSION_H
#define VERSION_H

/* The firmware's semantic version; the Makefile reads it from here too. */
#define PB_VERSION "0.1.0"

#endif
