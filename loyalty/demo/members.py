"""Demo members: real-looking people who joined the program, through `enrol_member`.

The program started a year ago: that morning the café imported the customer list of its old
till (the "import" members, who bought there before), and since then people join at the till
or on the join page.


Names from a list of Romanian and visiting first and last names, Romanian mobile numbers
typed the local way, emails on the reserved example domains (so no message can reach a real
person), consents with the wording shown, referral codes of earlier members, and the three
ways in: the till, the join page and the import of the old till's customer list.
"""

import random
import unicodedata
from datetime import date, datetime, timedelta

from loyalty.models import Merchant, Role, Shop, StaffMember
from members.models import Member, MemberSource
from members.services.enrolment import enrol_member

FIRST_NAMES = [
    "Adrian", "Alexandra", "Alexandru", "Alina", "Ana", "Anca", "Andreea", "Andrei", "Bianca",
    "Bogdan", "Camelia", "Carmen", "Cătălin", "Claudia", "Corina", "Cosmin", "Cristian",
    "Cristina", "Dan", "Daniela", "Denisa", "Diana", "Dragoș", "Eduard", "Elena", "Emil",
    "Florin", "Gabriela", "George", "Horia", "Ioana", "Ion", "Irina", "Iulia", "Iulian",
    "Larisa", "Laurențiu", "Lavinia", "Liviu", "Lucian", "Mădălina", "Maria", "Marius",
    "Matei", "Mihaela", "Mihai", "Monica", "Nicoleta", "Octavian", "Oana", "Ovidiu", "Paul",
    "Petra", "Radu", "Raluca", "Răzvan", "Roxana", "Sabina", "Silviu", "Simona", "Sorin",
    "Ștefan", "Teodora", "Tudor", "Valentina", "Victor", "Vlad", "Ilinca", "Sara", "Rareș",
    # visitors and expats near the station
    "Emma", "Lukas", "Sophie", "Marco", "Giulia", "Hannah", "David", "Laura", "Thomas",
    "Chloé", "Luca", "Oliver", "Amelia", "Noah", "Léa", "Jakub", "Zsófia", "Mateo",
]  # fmt: skip
LAST_NAMES = [
    "Popescu", "Ionescu", "Popa", "Pop", "Radu", "Dumitru", "Stan", "Stoica", "Gheorghe",
    "Matei", "Ciobanu", "Rusu", "Munteanu", "Constantin", "Ene", "Marin", "Tudor",
    "Moldovan", "Mihai", "Barbu", "Dobre", "Florea", "Nistor", "Lazăr", "Cristea", "Toma",
    "Dinu", "Georgescu", "Dragomir", "Vasile", "Neagu", "Sandu", "Ardeleanu", "Bălan",
    "Cozma", "Diaconu", "Enache", "Iordache", "Niculescu", "Oprea", "Păun", "Roman", "Sârbu",
    "Țurcanu", "Voicu", "Zamfir", "Stănescu", "Manole", "Preda", "Nedelcu", "Avram", "Călin",
    "Drăgan", "Lungu", "Mocanu", "Petrescu", "Șerban", "Tănase", "Ungureanu", "Vlad",
    "Müller", "Schmidt", "Rossi", "Bianchi", "Martin", "Dubois", "Smith", "Novák",
    "Kowalski", "García", "Horváth", "Nagy",
]  # fmt: skip
DOMAINS = ["example.com", "example.com", "example.net", "example.org"]
MOBILE_PREFIXES = ["72", "73", "74", "75", "76", "77"]  # valid for any subscriber number

# (share of members, source); the import is one day, the program's first: the old till's
# customers (`loyalty.demo.points` imports their purchases from before it as history).
SOURCES = [(0.30, MemberSource.POS), (0.15, MemberSource.JOIN_PAGE), (0.55, MemberSource.IMPORT)]
EMAIL_CONSENT = 0.60  # of all members; only those with an email can give it
SMS_CONSENT = 0.30  # of all members; only those with a phone
REFERRED = 0.15  # of all members; imported ones came with no code
WORDING = {
    (True, False): "Yes, send me Café Aroma's offers and news by email. "
    "I can unsubscribe at any time.",
    (False, True): "Yes, send me Café Aroma's offers by SMS. I can unsubscribe at any time.",
    (True, True): "Yes, send me Café Aroma's offers and news by email and SMS. "
    "I can unsubscribe at any time.",
}


def ascii_letters(text: str) -> str:
    """`Ștefan Lazăr` → `stefan`, `lazar`: what people type into an email address."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(char for char in plain.lower() if char.isalnum())


def _email(first: str, last: str, birth_year: int, rng: random.Random, taken: set) -> str:
    """An address of the forms people pick; the part before the @ is unique in the demo."""
    f, last_ = ascii_letters(first), ascii_letters(last)
    forms = [
        f"{f}.{last_}",
        f"{f}{last_}",
        f"{f[0]}.{last_}",
        f"{last_}.{f}",
        f"{f}.{last_}{birth_year % 100:02d}",
        f"{f}{rng.randint(1, 999)}",
    ]
    local = rng.choice(forms)
    while local in taken:
        local = f"{rng.choice(forms)}{rng.randint(1, 99)}"
    taken.add(local)
    return f"{local}@{rng.choice(DOMAINS)}"


def _phone(rng: random.Random, taken: set) -> str:
    """A Romanian mobile number typed as people do: `0722 123 456`, `0722123456`, `+40722…`."""
    while True:
        digits = f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10_000_000):07d}"
        if digits not in taken:
            taken.add(digits)
            break
    return rng.choice(
        [f"0{digits[:3]} {digits[3:6]} {digits[6:]}", f"0{digits}", f"+40 {digits}", f"+40{digits}"]
    )


def _plans(
    count: int, merchant: Merchant, now: datetime, launch: datetime, rng: random.Random
) -> list[tuple]:
    """(joined at, source) of each member, in the order they joined. The imported ones on the
    morning of the launch; the others since, more of them lately (word of mouth), in opening
    hours.
    """
    import_day = launch.astimezone(merchant.tzinfo).replace(hour=9, minute=30)
    span = now - import_day
    plans = []
    for _ in range(count):
        source = rng.choices([s for _w, s in SOURCES], [w for w, _s in SOURCES])[0]
        if source == MemberSource.IMPORT:
            plans.append((import_day, source))
            continue
        moment = (now - span * (1 - rng.random() ** 0.8)).astimezone(merchant.tzinfo)
        moment = moment.replace(hour=rng.randint(8, 19), minute=rng.randint(0, 59))
        moment = max(moment, import_day + timedelta(hours=1))
        plans.append((min(moment, now - timedelta(minutes=5)), source))
    return sorted(plans, key=lambda plan: plan[0])


def enrol_demo_members(
    merchant: Merchant, count: int, rng: random.Random, now: datetime, launch: datetime
) -> list[Member]:
    """`count` members through enrol_member, in the order they joined (the first on the
    `launch` morning); returns them so."""
    shops = list(Shop.objects.for_merchant(merchant).active().order_by("pk"))
    staff = {s.role: s.user for s in StaffMember.objects.filter(merchant=merchant)}
    cashiers = {
        s.shop_id: s.user
        for s in StaffMember.objects.filter(merchant=merchant, role=Role.CASHIER)
        if s.shop_id
    }
    emails: set[str] = set()
    phones: set[str] = set()
    members: list[Member] = []
    for joined, source in _plans(count, merchant, now, launch, rng):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        born = date(rng.randint(1958, 2006), rng.randint(1, 12), rng.randint(1, 28))
        # Most give both; some only a phone (at the till), some only an email (online).
        contact = rng.random()
        has_email = contact >= 0.10
        has_phone = contact < 0.85 or (source == MemberSource.POS and contact < 0.95)
        email = _email(first, last, born.year, rng, emails) if has_email else ""
        phone = _phone(rng, phones) if has_phone else ""
        email_ok = bool(email) and rng.random() < EMAIL_CONSENT / 0.90
        sms_ok = bool(phone) and rng.random() < SMS_CONSENT / 0.90
        shop, actor = None, None
        if source == MemberSource.POS:
            shop = rng.choice(shops)
            actor = cashiers.get(shop.pk) or staff.get(Role.MANAGER)
        elif source == MemberSource.IMPORT:
            actor = staff.get(Role.OWNER)
        referral = ""
        if members and source != MemberSource.IMPORT and rng.random() < REFERRED / 0.85:
            # Some people bring many friends: the first fifty members are the likeliest.
            pool = members[:50] if rng.random() < 0.5 else members
            referral = rng.choice(pool).referral_code
        birthday = None
        if rng.random() < 0.7:
            birthday = born if rng.random() < 0.8 else f"--{born.month:02d}-{born.day:02d}"
        members.append(
            enrol_member(
                merchant=merchant,
                email=email,
                phone=phone,
                first_name=first,
                last_name=last,
                birthday=birthday,
                source=source,
                shop=shop,
                actor=actor,
                email_marketing=email_ok,
                sms_marketing=sms_ok,
                consent_wording=WORDING.get((email_ok, sms_ok), ""),
                referral_code=referral,
                joined_at=joined,
                now=joined,
            )
        )
    return members
