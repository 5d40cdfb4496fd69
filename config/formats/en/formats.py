"""English as Fidela's readers write it: in Europe (Romania, Moldova), day before month and
the 24-hour clock, as British English does (Django's en_GB), not the American 12/03/2026 and
"9:05 p.m." of Django's "en". loyalty.money picks CLDR's en_GB for the same reason.

Numbers are the same in both: 1,250.50.
"""

from django.conf.locale.en_GB.formats import *  # noqa: F403 - the base, changed below

TIME_FORMAT = "H:i"  # 21:05
DATETIME_FORMAT = "j M Y, H:i"  # 3 Dec 2026, 21:05
SHORT_DATETIME_FORMAT = "d/m/Y H:i"  # 03/12/2026 21:05
