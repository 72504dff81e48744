/* The proleptic Gregorian calendar in days since 1970-01-01 (Howard
 * Hinnant's algorithms): one copy for the HTTP-date parser (http.c), the
 * wall clock's ISO 8601 text (wallclock.c) and mbedTLS's gmtime (tlsport.c).
 * Pure functions, valid for any year an int64_t of days can hold. */
#ifndef CALENDAR_H
#define CALENDAR_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    int64_t year;
    unsigned month; /* 1..12 */
    unsigned day;   /* 1..31 */
} calendar_date_t;

bool calendar_is_leap(int64_t year);
/* Whether year-month-day names a real day (month 1..12, day within it). */
bool calendar_valid(int64_t year, unsigned month, unsigned day);
/* Days since 1970-01-01 of a valid date (negative before it). */
int64_t calendar_days(int64_t year, unsigned month, unsigned day);
calendar_date_t calendar_date(int64_t days);

#endif
