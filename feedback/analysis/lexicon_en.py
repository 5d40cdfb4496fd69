"""English words of the built-in analyser: what customers of a café, a bakery or a shop say.

Words are matched on their Snowball stems ("friendly", "friendlier"; "waited", "waiting"),
phrases word by word. Weights: 1 a plain judgement ("good", "rude"), more for a strong one
("amazing", "disgusting"), less for a mild one ("nice-ish", "slow"). NEUTRAL lists judgements
that weigh nothing ("ok", "nothing special"): they say the customer judged something, so a
product named beside one is a quality remark.
"""

# fmt: off
POSITIVE: dict[str, float] = {
    "good": 1.0, "great": 1.3, "excellent": 1.6, "amazing": 1.6, "awesome": 1.5,
    "fantastic": 1.6, "wonderful": 1.5, "perfect": 1.6, "perfectly": 1.4, "superb": 1.6,
    "outstanding": 1.6, "brilliant": 1.5, "lovely": 1.3, "nice": 1.0, "pleasant": 1.0,
    "delicious": 1.5, "tasty": 1.3, "yummy": 1.3, "fresh": 1.0, "best": 1.5, "better": 0.6,
    "love": 1.4, "loved": 1.4, "loving": 1.2, "like": 0.8, "liked": 0.8, "enjoy": 1.0,
    "enjoyed": 1.0, "happy": 1.0, "glad": 1.0, "pleased": 1.0, "satisfied": 1.0,
    "friendly": 1.2, "kind": 1.0, "helpful": 1.1, "polite": 1.1, "welcoming": 1.1,
    "attentive": 1.1, "smiling": 1.0, "smile": 0.8, "cheerful": 1.0, "sweet": 0.8,
    "professional": 1.0, "efficient": 1.0, "fast": 0.8, "quick": 0.8, "quickly": 0.6,
    "speedy": 0.8, "clean": 1.0, "spotless": 1.4, "tidy": 1.0, "cozy": 1.0, "cosy": 1.0,
    "comfortable": 0.9, "fair": 0.8, "reasonable": 0.8, "affordable": 1.0, "cheap": 0.7,
    "worth": 1.0, "worth it": 1.2, "value for money": 1.2, "good value": 1.2, "bargain": 1.0,
    "recommend": 1.3, "recommended": 1.3, "thank": 0.9, "thanks": 0.9, "thank you": 1.0,
    "easy": 0.8, "convenient": 0.9, "generous": 1.0, "favourite": 1.1, "favorite": 1.1,
    "impressed": 1.2, "top": 1.0, "wow": 1.2, "cool": 0.8, "fabulous": 1.5, "gorgeous": 1.3,
    "beautiful": 1.1, "incredible": 1.5, "fine selection": 1.0, "the best": 1.5,
    "well done": 1.2, "spot on": 1.3, "no complaints": 1.2, "no problem": 0.8,
    "will come again": 1.2, "will be back": 1.2, "come back": 0.8, "keep it up": 1.2,
    "five stars": 1.5, "5 stars": 1.5, "exactly what": 0.8, "warm welcome": 1.3,
    "great job": 1.4, "highly": 0.5, "crispy": 0.8,
    "fluffy": 0.8, "rich": 0.6, "smooth": 0.7, "cute": 0.8, "charming": 1.0, "relaxing": 0.9,
    "quiet": 0.5, "in stock": 0.6, "went out of their way": 1.4,
}

NEGATIVE: dict[str, float] = {
    "bad": 1.0, "terrible": 1.6, "awful": 1.6, "horrible": 1.6, "horrendous": 1.7,
    "disgusting": 1.7, "gross": 1.4, "poor": 1.1, "worst": 1.7, "worse": 1.0,
    "disappointing": 1.3, "disappointed": 1.3, "disappointment": 1.3, "mediocre": 0.8,
    "rude": 1.4, "unfriendly": 1.2, "impolite": 1.2, "arrogant": 1.3, "unhelpful": 1.1,
    "ignored": 1.2, "ignore": 1.0, "careless": 1.0, "lazy": 1.1, "grumpy": 1.1,
    "slow": 0.8, "waited": 0.6, "wait": 0.5, "waiting": 0.5, "forever": 0.9, "ages": 0.8,
    "long": 0.6, "late": 0.6, "dirty": 1.3, "filthy": 1.6, "sticky": 1.0, "messy": 1.0,
    "mess": 1.0, "smelly": 1.2, "stinks": 1.3, "greasy": 0.9, "stale": 1.3, "cold": 0.7,
    "lukewarm": 0.9, "burnt": 1.2, "burned": 1.2, "bitter": 0.8, "dry": 0.8, "soggy": 1.0,
    "bland": 1.0, "tasteless": 1.2, "watery": 1.0, "raw": 0.8, "undercooked": 1.0,
    "overcooked": 1.0, "salty": 0.6, "old": 0.6, "mouldy": 1.6, "moldy": 1.6,
    "expensive": 1.0, "overpriced": 1.3, "pricey": 0.9, "rip off": 1.5, "ripoff": 1.5,
    "waste of money": 1.5, "not worth": 1.2, "tiny": 0.6, "small portions": 0.8,
    "wrong": 0.9, "mistake": 0.8, "forgot": 0.8, "forgotten": 0.8, "missing": 0.6,
    "broken": 0.9, "lost": 0.7, "losing": 0.7, "annoying": 1.1, "annoyed": 1.1,
    "frustrating": 1.2, "unhappy": 1.2, "sad": 0.9, "angry": 1.3, "upset": 1.1,
    "hate": 1.5, "hated": 1.5, "dislike": 1.1, "complain": 0.8, "complaint": 0.8,
    "problem": 0.7, "issue": 0.6, "noisy": 0.8, "loud": 0.6, "crowded": 0.6,
    "unacceptable": 1.5, "ridiculous": 1.3, "pathetic": 1.4, "useless": 1.3,
    "never again": 1.6, "not coming back": 1.5, "won't be back": 1.5, "sold out": 0.7,
    "ran out": 0.8, "run out": 0.8, "nothing left": 0.8, "none left": 0.8,
    "out of stock": 0.8, "apologised": 0.3, "apologized": 0.3, "went up": 0.6,
    "cockroach": 1.8, "hair in": 1.5, "sick": 1.3, "regret": 1.2, "shame": 1.0,
    "unprofessional": 1.3, "chaotic": 1.1, "disorganised": 1.1, "messed up": 1.2,
}

# Judgements that weigh nothing: the customer judged, neither well nor badly.
NEUTRAL: tuple[str, ...] = (
    "ok", "okay", "fine", "alright", "average", "normal", "decent", "so-so", "so so",
    "nothing special", "not bad not great", "usual", "standard", "acceptable", "meh",
    "could be better", "as expected", "nothing to add",
)

NEGATORS: tuple[str, ...] = (
    "not", "no", "never", "nothing", "nobody", "none", "without", "hardly", "neither", "nor",
    "dont", "didnt", "doesnt", "wasnt", "werent", "isnt", "arent", "cant", "wont", "havent",
    "hasnt", "couldnt", "wouldnt", "aint", "lack of",
)

# Multipliers of the next judgement: intensifiers above 1, diminishers below.
INTENSIFIERS: dict[str, float] = {
    "very": 1.5, "really": 1.4, "so": 1.4, "super": 1.5, "extremely": 1.8, "too": 1.4,
    "way too": 1.8, "incredibly": 1.7, "absolutely": 1.6, "totally": 1.5, "truly": 1.4,
    "highly": 1.5, "such": 1.3, "most": 1.3, "quite": 1.1, "pretty": 1.0, "always": 1.1,
    "seriously": 1.4, "insanely": 1.7, "a bit": 0.6, "a little": 0.6, "slightly": 0.5,
    "somewhat": 0.6, "kind of": 0.6, "kinda": 0.6, "rather": 0.8, "bit": 0.6,
    "would be": 0.3, "it would be": 0.3, "could be": 0.3, "would have been": 0.3,
}

# After a negated judgement these make it stronger: "not bad at all".
AFTER_NEGATION: tuple[str, ...] = ("at all", "whatsoever", "one bit")

CONTRAST: tuple[str, ...] = ("but", "however", "though", "although", "yet", "except")

NEGATION_PREFIXES: tuple[str, ...] = ()

# A negator after the judgement it turns ("претензий нет"); none in English.
# A negator that also names a kind of product ("decaf" is "coffee without caffeine"): it
# does not make an out-of-stock remark a complaint.
WITHOUT: tuple[str, ...] = ("without",)

NEGATORS_AFTER: tuple[str, ...] = ()

STOP_WORDS: frozenset[str] = frozenset(
    """the and was is it i my this that to of for with at in on we you they our were are be
    been have has had very too so but not there here just me us an its their what when all
    would will did do got get again always today""".split()  # noqa: SIM905 (a word list reads best as words)
)

TOPICS: dict[str, tuple[str, ...]] = {
    "service": (
        "service", "served", "serving", "serve", "order", "orders", "customer service",
        "table service", "got my order wrong", "takeaway service",
    ),
    "staff": (
        "staff", "barista", "baristas", "waiter", "waitress", "cashier", "server", "employee",
        "employees", "team", "girl", "guy", "lady", "man at", "woman", "manager", "owner",
        "people", "person", "friendly", "unfriendly", "rude", "polite", "impolite", "kind",
        "helpful", "unhelpful", "attentive", "smile", "smiling", "welcoming", "counter",
        "arrogant", "grumpy", "lazy", "ignored", "cheerful",
    ),
    "waiting": (
        "wait", "waited", "waiting", "queue", "queues", "line", "slow", "slowly", "fast",
        "quick", "quickly", "speedy", "minutes", "forever", "ages", "took long", "rush hour",
        "took ages", "in no time", "delay", "delayed",
    ),
    "price": (
        "price", "prices", "priced", "expensive", "overpriced", "pricey", "cheap", "cheaper",
        "affordable", "cost", "costs", "money", "value for money", "value", "worth the money",
        "rip off", "ripoff", "bargain", "pay", "paid for", "euro", "lei", "pounds", "dollars",
        "portions", "portion",
    ),
    "quality": (
        "quality", "taste", "tastes", "tasty", "tasteless", "delicious", "yummy", "flavour",
        "flavor", "fresh", "stale", "burnt", "burned", "bitter", "bland", "watery", "soggy",
        "dry", "lukewarm", "cold coffee", "mouldy", "moldy", "undercooked", "crispy",
    ),
    "cleanliness": (
        "clean", "cleaner", "dirty", "filthy", "sticky", "spotless", "tidy", "messy", "mess",
        "toilet", "toilets", "bathroom", "restroom", "floor", "tables", "table was",
        "hygiene", "smell", "smelly", "dust", "dusty", "crumbs", "cups were", "trash",
    ),
    "availability": (
        "ran out", "run out", "out of", "sold out", "in stock", "out of stock", "nothing left",
        "none left", "left", "selection", "choice", "variety", "options", "menu",
        "always have", "didnt have", "did not have", "no more", "unavailable", "available",
    ),
    "loyalty": (
        "points", "point", "loyalty", "loyalty card", "stamps", "stamp", "card", "app",
        "reward", "rewards", "bonus", "voucher", "free coffee", "member", "membership",
        "discount", "cashback",
    ),
}

# What is sold: named beside a judgement, it is a remark on the quality.
PRODUCTS: tuple[str, ...] = (
    "coffee", "espresso", "latte", "cappuccino", "cappucino", "flat white", "americano",
    "tea", "chocolate", "food", "cake", "cakes", "croissant", "croissants", "bread",
    "pastry", "pastries", "sandwich", "sandwiches", "bun", "buns", "muffin", "cookie",
    "cookies", "pie", "pizza", "soup", "salad", "breakfast", "lunch", "dessert", "cheesecake",
    "rolls", "donut", "bagel", "juice", "smoothie", "milk", "drink", "drinks", "meal",
)
# fmt: on
