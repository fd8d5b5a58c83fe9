"""Data tables of ``ingest.pii.intl_addresses``: street words of many languages.

Written from the postal conventions of each country (a word for "street" before or after
the name, a house number before or after it), not taken from any generator's tables.
"""

from __future__ import annotations

# A word of its own before the street name: "rue de Rivoli", "Via Roma", "ul. Długa".
STREET_PREFIXES = (
    # French, Italian, Spanish, Catalan, Portuguese, Romanian
    "rue", "avenue", "av.", "ave.", "boulevard", "bd", "bd.", "blvd", "chemin", "allée", "place",
    "impasse", "quai", "route", "cours", "passage", "square", "via", "viale", "vicolo",
    "piazza", "piazzale", "corso", "largo", "strada", "contrada", "calle", "c/", "avenida",
    "avda.", "avda", "paseo", "plaza", "camino", "carrer", "carretera", "ronda", "travesía",
    "rua", "r.", "travessa", "praça", "alameda", "estrada", "rodovia", "ladeira", "loteamento",
    "jardim", "vila", "colônia", "conjunto", "quadra", "setor", "residencial", "condomínio",
    "lugar", "beco", "calea", "bulevardul", "strada", "aleea", "piața",
    # Polish, Czech, Slovak, Slovenian, Croatian, Hungarian, Greek, Turkish
    "ul.", "ulica", "al.", "aleja", "pl.", "plac", "os.", "osiedle", "skwer", "rondo",
    "náměstí", "nám.", "třída", "nábřeží", "ulice", "cesta", "odos", "leoforos", "sokak",
    # Dutch, German, Scandinavian when written apart
    "straat", "laan", "plein", "am", "an der", "auf der", "im",
)  # fmt: skip

# The end of a one-word street name: "Mattenstrasse", "Bulgariensvej", "Ringgatan".
STREET_SUFFIXES = (
    # German, Swiss, Austrian
    "straße", "strasse", "str.", "gasse", "weg", "allee", "platz", "ring", "damm", "ufer",
    "steig", "pfad", "chaussee", "markt", "graben", "stieg",
    # Danish, Norwegian, Swedish, Icelandic, Finnish, Estonian
    "vej", "vejen", "gade", "gaden", "allé", "stræde", "vænget", "toften",
    "vägen", "väg", "gatan", "gata", "gränd", "stigen", "torget", "backen",
    "veien", "vegen", "gaten", "gate", "braut", "vegur", "stræti", "stígur", "katu", "tie",
    "kuja", "polku", "kaari", "rinne", "tänav", "põik", "maantee", "puiestee",
    # Dutch, Flemish
    "straat", "laan", "gracht", "plein", "singel", "kade", "dijk", "hof", "dreef",
    "steeg",
    # Baltic, Hungarian
    "iela", "gatvė", "utca", "útja", "körút",
)  # fmt: skip

# A word of its own after the name: "Baker Street", "Elm Ave", "Gyori utca".
STREET_TYPES_AFTER = (
    "street", "st", "st.", "avenue", "ave", "ave.", "road", "rd", "rd.", "boulevard", "blvd",
    "blvd.", "lane", "ln", "ln.", "drive", "dr", "dr.", "court", "ct", "ct.", "way", "place",
    "pl", "pl.", "terrace", "parkway", "pkwy", "highway", "hwy", "circle", "cir", "square",
    "sq", "plaza", "alley", "row", "crescent", "close", "gardens", "grove", "mews", "hill",
    "view", "walk", "path", "trail", "loop", "run", "pike", "park", "green", "rise", "vale",
    "parade", "esplanade", "quay", "wharf", "gate", "end", "heights", "meadows", "ridge",
    "point", "crossing", "junction", "estate", "cove", "harbor", "harbour", "landing",
    "utca", "út", "tér", "gata", "gade", "vej", "weg", "straat", "laan",
)  # fmt: skip

# A line or segment that is a unit, floor or box: "Apt. 342", "Suite 409", "Piso 2".
UNIT_WORDS = (
    "apt", "apt.", "apartment", "suite", "ste", "ste.", "unit", "flat", "floor", "fl.",
    "room", "rm", "level", "lvl", "bldg", "building", "piso", "planta", "puerta", "appartamento",
    "piano", "interno", "scala", "étage", "bâtiment", "bat.", "esc.", "bloco", "apto", "andar",
    "sala", "lok.", "m.", "box", "#",
)  # fmt: skip

POST_BOX = r"(?i:P\.?\s?O\.?\s?Box|Post\s+Office\s+Box|Postfach|Apartado|Caixa\s+Postal|BP|Boîte\s+postale)"

# Words that end "January 15, 2025" or "Friday 3": a date, never a street.
NOT_STREET_WORDS = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
    "sept", "oct", "nov", "dec", "monday", "tuesday", "wednesday", "thursday", "friday",
    "saturday", "sunday", "section", "article", "clause", "chapter", "page", "version",
    "release", "room", "gate", "floor", "level", "building", "windows", "python", "iso",
    "rfc", "step", "phase", "day", "week", "year", "q1", "q2", "q3", "q4", "table", "figure",
    "appendix", "part", "item", "rule", "schedule", "annex", "tier", "grade", "class",
)  # fmt: skip
