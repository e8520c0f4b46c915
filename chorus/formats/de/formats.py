"""How dates, times and numbers read in German, in the same style as English ("4. Dez. 2026",
"20:57", "1.234,5").

Django's own German formats write the date in digits ("04.12.2026"); Chorus names the month,
as it does in English, so that a date reads the same in pages, emails and exports.
"""

DATE_FORMAT = "j. N Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j. N Y, H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j. F"
SHORT_DATE_FORMAT = "j. N Y"
SHORT_DATETIME_FORMAT = "j. N Y, H:i"
FIRST_DAY_OF_WEEK = 1  # Monday
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
NUMBER_GROUPING = 3
