"""How dates and times read in English: one style throughout ("4 Dec 2026", "20:57").

Django's own English formats are American ("Dec. 4, 2026", "8:57 p.m."); Chorus writes
the day first and a 24-hour clock everywhere, in pages, emails and exports alike.
"""

DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j M Y, H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
FIRST_DAY_OF_WEEK = 1  # Monday
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
