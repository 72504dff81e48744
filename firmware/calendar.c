/* See calendar.h.  The year is shifted to start in March, so that the leap
 * day is the last day of the shifted year; an era is 400 years (146097
 * days), after which the calendar repeats. */
#include "calendar.h"

bool calendar_is_leap(int64_t year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

bool calendar_valid(int64_t year, unsigned month, unsigned day)
{
    static const uint8_t s_days_in[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12 || day < 1 || day > s_days_in[month - 1]) {
        return false;
    }
    return month != 2 || day <= 28 || calendar_is_leap(year);
}

int64_t calendar_days(int64_t year, unsigned month, unsigned day)
{
    int64_t y = year - (month <= 2 ? 1 : 0);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;                                            /* [0, 399] */
    int64_t doy = (153 * (int64_t)(month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1; /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;                    /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

calendar_date_t calendar_date(int64_t days)
{
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153; /* March = 0 */
    calendar_date_t d;
    d.day = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    d.month = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    d.year = yoe + era * 400 + (d.month <= 2 ? 1 : 0);
    return d;
}
