# Months spelled out in English too ("December 10, 2024"), as in Spanish: dates in profiles are
# read and cited by the press.
DATE_FORMAT = "F j, Y"
DATETIME_FORMAT = "F j, Y, H:i"
YEAR_MONTH_FORMAT = "F Y"
