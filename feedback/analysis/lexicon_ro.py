"""Romanian words of the built-in analyser: what customers of a café, a bakery or a shop say.

Written with diacritics; matching strips them, so "rau" is "rău" and "paine" is "pâine". The
Romanian Snowball stemmer joins most forms ("proaspătă", "proaspete"); where it does not
("murdar", "murdare"), a stem of five letters or more matches as a prefix, and short words
are listed in their usual forms. Weights as in lexicon_en.
"""

# fmt: off
POSITIVE: dict[str, float] = {
    "bun": 1.0, "bună": 1.0, "buni": 1.0, "bune": 1.0, "bine": 0.9, "bunicică": 0.8,
    "bunicel": 0.8, "excelent": 1.6, "excelentă": 1.6, "excelente": 1.6, "minunat": 1.5,
    "minunată": 1.5, "perfect": 1.6, "perfectă": 1.6, "superb": 1.6, "superbă": 1.6,
    "senzațional": 1.6, "senzațională": 1.6, "extraordinar": 1.6, "fantastic": 1.6,
    "genial": 1.5, "geniale": 1.5, "grozav": 1.4, "fain": 1.2, "faină": 1.2, "faini": 1.2,
    "frumos": 1.0, "frumoasă": 1.0, "plăcut": 1.1, "plăcută": 1.1, "plăcute": 1.1,
    "delicios": 1.5, "delicioasă": 1.5, "delicioase": 1.5, "gustos": 1.3, "gustoasă": 1.3,
    "gustoase": 1.3, "proaspăt": 1.0, "proaspătă": 1.0, "proaspete": 1.0, "cel mai bun": 1.5,
    "cea mai bună": 1.5, "cele mai bune": 1.5, "cei mai buni": 1.5, "îmi place": 1.2,
    "ne place": 1.2, "mi-a plăcut": 1.2, "ne-a plăcut": 1.2, "place": 0.9, "plăcut mult": 1.3,
    "iubesc": 1.4, "ador": 1.5, "mulțumit": 1.0, "mulțumită": 1.0, "mulțumiți": 1.0,
    "încântat": 1.3, "încântată": 1.3, "fericit": 1.0, "amabil": 1.2, "amabilă": 1.2,
    "amabili": 1.2, "drăguț": 1.1, "drăguță": 1.1, "drăguți": 1.1, "politicos": 1.1,
    "politicoasă": 1.1, "politicoși": 1.1, "prietenos": 1.2, "prietenoasă": 1.2,
    "prietenoși": 1.2, "zâmbitor": 1.0, "zâmbitoare": 1.0, "săritor": 1.1, "atent": 0.9,
    "atentă": 0.9, "profesionist": 1.1, "profesioniști": 1.1, "de treabă": 1.1,
    "rapid": 0.8, "rapidă": 0.8, "repede": 0.7, "prompt": 0.9, "promptă": 0.9,
    "curat": 1.0, "curată": 1.0, "curate": 1.0, "curățenie": 0.8, "impecabil": 1.5,
    "cozy": 1.0, "liniștit": 0.6, "corect": 0.8,
    "corecte": 0.8, "accesibil": 0.9, "accesibile": 0.9, "ieftin": 0.7, "ieftină": 0.7,
    "ieftine": 0.7, "merită": 1.0, "a meritat": 1.1, "meritat": 1.0, "recomand": 1.3,
    "recomandăm": 1.3, "mulțumesc": 0.9, "mersi": 0.9, "mulțumim": 0.9, "super": 1.2,
    "top": 1.0, "wow": 1.2, "bravo": 1.3, "felicitări": 1.3, "de nota 10": 1.6,
    "nota 10": 1.6, "nicio problemă": 0.9, "nicio plângere": 1.2, "revin": 0.9,
    "revin cu drag": 1.4, "cu drag": 0.8, "mai vin": 0.9, "ușor": 0.6, "util": 0.8,
    "surpriză plăcută": 1.3, "bogat": 0.7, "bogată": 0.7, "variat": 0.7, "variată": 0.7,
    "cald": 0.3, "aromat": 1.0, "aromată": 1.0, "pufos": 0.9, "crocant": 0.8, "s-a străduit": 1.0,
    "străduit": 0.9, "ajutat": 0.8, "favorit": 1.1, "preferat": 1.1, "preferată": 1.1,
    "satisfăcut": 1.0, "ok ok": 0.4, "calitate bună": 1.2,
}

NEGATIVE: dict[str, float] = {
    "rău": 1.0, "rea": 1.0, "răi": 1.0, "proastă": 1.1, "prost": 1.1, "proaste": 1.1,
    "proști": 1.1, "groaznic": 1.6, "groaznică": 1.6, "oribil": 1.6, "oribilă": 1.6,
    "îngrozitor": 1.7, "îngrozitoare": 1.7, "jalnic": 1.5, "jalnică": 1.5, "dezastru": 1.6,
    "dezastruos": 1.6, "dezgustător": 1.7, "dezgustătoare": 1.7, "scârbos": 1.6,
    "cea mai proastă": 1.7, "cel mai prost": 1.7, "dezamăgit": 1.3, "dezamăgită": 1.3,
    "dezamăgitor": 1.3, "dezamăgitoare": 1.3, "dezamăgire": 1.3, "slab": 0.9, "slabă": 0.9,
    "mediocru": 0.8, "mediocră": 0.8, "nepoliticos": 1.4, "nepoliticoasă": 1.4,
    "nepoliticoși": 1.4, "nesimțit": 1.5, "nesimțită": 1.5, "obraznic": 1.3,
    "obraznică": 1.3, "arogant": 1.3, "arogantă": 1.3, "nervos": 1.0, "nervoasă": 1.0,
    "ignorat": 1.2, "ne-a ignorat": 1.3, "indiferent": 1.0, "indiferentă": 1.0,
    "lent": 0.8, "lentă": 0.8, "încet": 0.8, "greu": 0.6, "așteptat": 0.6, "aștept": 0.5,
    "așteptare": 0.5, "o veșnicie": 1.0, "veșnicie": 1.0, "durat": 0.5, "mult prea": 0.6,
    "murdar": 1.3, "murdară": 1.3, "murdare": 1.3, "murdari": 1.3, "mizerie": 1.4,
    "lipicios": 1.0, "lipicioase": 1.0, "miros": 0.6, "mirosea": 0.9, "miroase urât": 1.4,
    "vechi": 0.9, "veche": 0.9, "uscat": 0.8, "uscată": 0.8, "uscate": 0.8, "rece": 0.7,
    "călduț": 0.6, "călduță": 0.6, "ars": 1.1, "arsă": 1.1, "amar": 0.8, "amară": 0.8,
    "fad": 1.0, "fadă": 1.0, "fără gust": 1.3, "apos": 1.0, "apoasă": 1.0, "crud": 0.8,
    "mucegăit": 1.6, "stricat": 1.2, "stricată": 1.2, "scump": 1.0, "scumpă": 1.0,
    "scumpe": 1.0, "scumpi": 1.0, "piperat": 0.9, "țeapă": 1.5, "bani aruncați": 1.5,
    "mici": 0.5, "greșit": 0.9, "greșit comanda": 1.1, "greșeală": 0.8, "uitat": 0.8,
    "pierde": 0.7, "pierdut": 0.8, "enervant": 1.1, "enervantă": 1.1, "supărat": 1.1,
    "supărată": 1.1, "nemulțumit": 1.3, "nemulțumită": 1.3, "nervi": 1.0, "urăsc": 1.5,
    "problemă": 0.7, "probleme": 0.7, "zgomot": 0.7, "gălăgie": 0.8, "aglomerat": 0.6,
    "inacceptabil": 1.5, "ridicol": 1.3, "penibil": 1.4, "inutil": 1.2, "haos": 1.1,
    "nu mai vin": 1.6, "nu mai revin": 1.6, "nu recomand": 1.5, "nu merită": 1.2,
    "s-a terminat": 0.6, "se termină": 0.6, "nu mai aveau": 0.8, "nu aveau": 0.7,
    "au crescut prețurile": 0.9, "au crescut": 0.5, "păcat": 0.9, "neprofesionist": 1.3,
    "cerut scuze": 0.3, "lipsă": 0.6, "plâng": 0.8, "plângere": 0.8, "reclamație": 0.9,
}

NEUTRAL: tuple[str, ...] = (
    "ok", "okay", "în regulă", "normal", "normală", "normale", "obișnuit", "obișnuită",
    "decent", "decentă", "acceptabil", "nimic special", "așa și așa", "asa si asa",
    "mediu", "nici bine nici rău", "ca de obicei", "la fel ca mereu", "nimic de adăugat",
    "standard", "potrivit", "merge",
)

NEGATORS: tuple[str, ...] = (
    "nu", "n", "nici", "niciodată", "nimic", "nimeni", "fără", "deloc nu", "nicio", "niciun",
)

INTENSIFIERS: dict[str, float] = {
    "foarte": 1.5, "prea": 1.4, "mult prea": 1.8, "super": 1.4, "extrem": 1.8,
    "extrem de": 1.8, "tare": 1.3, "atât de": 1.4, "așa de": 1.4, "chiar": 1.2, "absolut": 1.6,
    "total": 1.5, "mereu": 1.1, "întotdeauna": 1.1, "destul de": 1.0, "incredibil de": 1.7,
    "cam": 0.7, "puțin": 0.6, "un pic": 0.6, "oarecum": 0.6, "ușor": 0.7, "abia": 0.8,
    "mai mult": 1.2, "iar": 1.2, "din nou": 1.2, "groaznic de": 1.7,
    "ar fi": 0.3, "ar fi fost": 0.3, "ar putea": 0.3,
}

AFTER_NEGATION: tuple[str, ...] = ("deloc", "absolut deloc", "defel", "chiar deloc")

CONTRAST: tuple[str, ...] = ("dar", "însă", "totuși", "doar că", "numai că", "ci")

# "neplăcut", "nepoliticos": "ne" before a judgement turns it.
NEGATION_PREFIXES: tuple[str, ...] = ("ne",)

# A negator that also names a kind of product ("decaf" is "coffee without caffeine"): it
# does not make an out-of-stock remark a complaint.
WITHOUT: tuple[str, ...] = ("fără",)

NEGATORS_AFTER: tuple[str, ...] = ()

STOP_WORDS: frozenset[str] = frozenset(
    """și si nu a am ai au fost este e era de la cu pe din în in un o mai ca că ce care
    pentru foarte dar iar să sa se s mi ne îmi imi ți le lor meu mea noi voi ei ele el ea
    acum azi aici mereu după dupa până pana prea mult tot toate totul fiecare când cand""".split()  # noqa: SIM905 (a word list reads best as words)
)

TOPICS: dict[str, tuple[str, ...]] = {
    "service": (
        "servire", "servirea", "servit", "serviți", "servirii", "deservire", "deservirea",
        "comanda", "comandă", "comenzi", "greșit comanda",
    ),
    "staff": (
        "personal", "personalul", "angajat", "angajați", "angajata", "ospătar", "ospătăriță",
        "chelner", "chelneriță", "barista", "baristul", "baristă", "casieră", "casiera",
        "casier", "vânzătoare", "vânzătoarea", "vânzător", "fata", "fetele", "băiatul",
        "băiat", "doamna", "domnul", "tipul", "tipa", "oameni", "echipa", "echipă",
        "amabil", "amabilă", "amabili", "nepoliticos", "nepoliticoasă", "politicos",
        "politicoasă", "nesimțit", "nesimțită", "prietenos", "prietenoasă", "zâmbitoare",
        "zâmbitor", "zâmbet", "săritor", "arogant", "obraznic", "tejghea", "la casă",
        "ne-a ignorat", "ignorat", "s-a străduit", "de treabă", "drăguță", "drăguț",
        "persoană",
    ),
    "waiting": (
        "așteptat", "aștept", "așteptare", "așteptarea", "coadă", "coada", "cozi", "rapid",
        "rapidă", "repede", "lent", "lentă", "încet", "minute", "minutul", "veșnicie",
        "durat", "a durat", "prompt",
    ),
    "price": (
        "preț", "prețul", "prețuri", "prețurile", "pret", "scump", "scumpă", "scumpe",
        "scumpi", "ieftin", "ieftină", "ieftine", "bani", "banii", "lei", "costă", "cost",
        "raport calitate preț", "țeapă", "piperat", "porții", "porțiile", "porția",
        "accesibil", "accesibile",
    ),
    "quality": (
        "calitate", "calitatea", "gust", "gustul", "gustos", "gustoasă", "gustoase",
        "delicios", "delicioasă", "delicioase", "proaspăt", "proaspătă", "proaspete", "vechi",
        "uscat", "uscată", "ars", "arsă", "amar", "amară", "fad", "fadă", "fără gust", "apos",
        "călduț", "mucegăit", "aromat", "crocant", "pufos",
    ),
    "cleanliness": (
        "curat", "curată", "curate", "curățenie", "curățenia", "murdar", "murdară", "murdare",
        "murdari", "mizerie", "lipicios", "lipicioase", "toaletă", "toaleta", "baie", "baia",
        "podea", "podeaua", "mese", "mesele", "masa", "miros", "mirosea", "igienă", "igiena",
        "praf", "ceștile", "cești", "gunoi", "impecabil",
    ),
    "availability": (
        "nu mai aveau", "nu aveau", "nu mai era", "nu mai este", "nu mai au", "s-a terminat",
        "se termină", "terminat", "terminase", "stoc", "lipsă", "lipsesc", "ofertă", "oferta",
        "meniu", "meniul", "au mereu", "au avut tot", "sortiment", "sortimente", "variantă",
        "opțiuni", "disponibil",
    ),
    "loyalty": (
        "puncte", "punctele", "punct", "card", "cardul", "cardului", "fidelitate",
        "card de fidelitate", "aplicație", "aplicația", "aplicatie", "bonus", "bonusul",
        "recompensă", "recompense", "voucher", "cafea gratis", "gratuit", "gratuită",
        "membru", "reducere", "reducerea", "ștampile",
    ),
}

PRODUCTS: tuple[str, ...] = (
    "cafea", "cafeaua", "cafeluța", "espresso", "latte", "cappuccino", "ceai", "ceaiul",
    "ciocolată", "ciocolata", "mâncare", "mâncarea", "prăjitură", "prăjitura", "prăjituri",
    "tort", "tortul", "croissant", "croissante", "croissantul", "pâine", "pâinea",
    "patiserie", "patiseria", "sandviș", "sandvișul", "sandvișuri", "covrig", "covrigi",
    "corn", "cornuri", "cornurile", "plăcintă", "plăcinte", "pizza", "supă", "salată",
    "desert", "cheesecake", "suc", "fresh", "lapte", "băutură", "băuturi", "brioșă", "gogoși",
    "produse", "produsele",
)
# fmt: on
