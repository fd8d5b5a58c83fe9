"""Data tables of the PERSON rules (``ingest.pii.person_filters``, ``ingest.pii.persons``)."""

from __future__ import annotations

# Words of organisations and places: a span holding one is not relabelled as a name.
NOT_NAME_WORDS = frozenset(
    """inc ltd llc plc corp corporation company co group holdings bank university college
    school institute department dept office officer ministry agency authority board council
    committee team services service systems solutions technologies technology software cloud
    data protection privacy security policy support center centre fund foundation
    association union partners capital management international global national federal
    state county city town district region street st avenue ave road rd boulevard lane drive
    court way place park square north south east west new san los las saint santa fort mount
    lake river island bay valley hills beach airport station hospital clinic hotel museum
    church the of and for portal platform suite apt floor pro plus app api gateway network
    payroll hr finance legal compliance europe asia america africa china united kingdom
    republic""".split()  # noqa: SIM905
)

# Words that make a lone given name a person's ("Dear Anna", "ask Mika", "my name is").
PERSON_CONTEXT = (
    "name", "named", "call", "called", "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir",
    "madam", "dear", "hi", "hello", "hey", "thanks", "thank", "regards", "sincerely",
    "cheers", "speak", "ask", "asked", "tell", "told", "contact", "guardian", "signed",
    "attn", "cc", "meet", "met", "customer", "client", "patient", "employee", "user",
    "colleague", "boss", "manager", "friend", "wife", "husband", "son", "daughter",
    "mother", "father", "brother", "sister", "mom", "dad", "says", "said", "wrote",
)  # fmt: skip

# Currency names end a phrase that is no person: "Japanese Yen", "British Pounds", "Swiss Franc".
CURRENCY_WORDS = frozenset(
    """yen pound pounds sterling dollar dollars euro euros franc francs rupee rupees yuan
    renminbi won peso pesos real reais rand krona kronor krone kroner zloty forint koruna
    lira rouble roubles ruble rubles ringgit baht rupiah dinar dinars dirham dirhams riyal
    riyals shekel shekels dong naira shilling shillings""".split()  # noqa: SIM905
)

# Nationalities and languages: inside a phrase of two words or more they make it no person
# ("Mandarin Chinese", "Simplified Chinese", "Japanese Yen"); alone they may be a surname.
NATIONALITY_WORDS = frozenset(
    """american british english scottish welsh irish french german dutch belgian swiss
    austrian italian spanish portuguese brazilian mexican canadian australian chinese
    japanese korean indian pakistani russian ukrainian polish czech slovak hungarian
    romanian bulgarian greek turkish arabic arab hebrew persian swedish norwegian danish
    finnish icelandic estonian latvian lithuanian thai vietnamese indonesian malay
    filipino african european asian latin nordic cantonese mandarin hindi bengali urdu
    tamil britain ireland england scotland wales""".split()  # noqa: SIM905
)

# Month names and their abbreviations: followed by a day or a year they are a date, not a
# person ("Sep 30, 2024", "June 3", "April 2025"), also where spaCy or the lexicon says name.
MONTH_WORDS = frozenset(
    """january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec""".split()  # noqa: SIM905
)

# The titles officers and signatories of filings and contracts stand beside (regular
# expression, for the ``regex`` module).
OFFICER_TITLE = (
    r"(?:Chief\s+\p{Lu}\p{Ll}+(?:\s+\p{Lu}\p{Ll}+)?\s+Officer|(?:Senior\s+|Executive\s+)?Vice\s+President|"
    r"President|Director|Secretary|Treasurer|Chair(?:man|woman|person)?|Controller|General\s+Counsel|"
    r"CEO|CFO|COO|CTO|CIO|CISO)\b"
)
