"""Given names and surnames of many countries, from the ``Faker`` package's person providers.

Faker (MIT) keeps name lists for about 80 locales (Czech, Danish, Estonian, Icelandic,
Portuguese, Turkish, Zulu ...), with diacritics as they are written; together about 27,000
given names and 24,000 surnames. They are read from the installed package once, on first
use (``warm_up``), lower-cased; no Faker generator is created. ``COMMON_WORDS`` (Faker's
English word list and spaCy's stop words, about 1,300) says when a name is also an ordinary
word ("Will", "May", "Street", "White"). A name word standing alone must also be rare as
an English word: ``is_frequent_word`` asks the ``wordfreq`` package (Zipf frequency of the
lower-cased word, 4.0 or more: "Cash", "Drive", "Robin", "Grace" ...; spaCy's NER knows
the common English given names anyway).
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from ingest.given_names import GIVEN_NAMES

_FIRST_ATTRS = (
    "first_names",
    "first_names_male",
    "first_names_female",
    "first_names_nonbinary",
    "first_romanized_names",
)
_LAST_ATTRS = ("last_names", "last_names_male", "last_names_female", "last_romanized_names")


def _words(value: object) -> list[str]:
    if isinstance(value, dict):
        value = list(value)
    if not isinstance(value, list | tuple | set | frozenset):
        return []
    return [
        v.lower()
        for v in value
        if isinstance(v, str) and len(v) > 1 and v.replace("-", "").replace("'", "").isalpha()
    ]


@lru_cache(maxsize=1)
def name_lists() -> tuple[frozenset[str], frozenset[str]]:
    """(given names, surnames), lower-cased, Latin script and others alike."""
    import faker.providers.person as person

    first: set[str] = set(GIVEN_NAMES)
    last: set[str] = set()
    for info in pkgutil.iter_modules(person.__path__):
        provider = importlib.import_module(f"{person.__name__}.{info.name}").Provider
        for attr in _FIRST_ATTRS:
            first.update(_words(provider.__dict__.get(attr)))
        for attr in _LAST_ATTRS:
            last.update(_words(provider.__dict__.get(attr)))
    return frozenset(first), frozenset(last)


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    from faker.providers.lorem.en_US import Provider as Lorem
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(w.lower() for w in Lorem.word_list) | frozenset(STOP_WORDS)


@lru_cache(maxsize=1)
def country_names() -> frozenset[str]:
    """Country names in English, lower-cased (Faker's list: "Montenegro" is a surname too)."""
    from faker.providers.address.en_US import Provider as Address

    return frozenset(c.lower() for c in Address.countries)


def is_country(word: str) -> bool:
    return word.lower() in country_names()


def is_given(word: str) -> bool:
    return word.lower() in name_lists()[0]


def is_surname(word: str) -> bool:
    return word.lower() in name_lists()[1]


def is_name_word(word: str) -> bool:
    first, last = name_lists()
    w = word.lower()
    return w in first or w in last


def is_common_word(word: str) -> bool:
    return word.lower() in common_words()


FREQUENT_ZIPF = 4.0


@lru_cache(maxsize=65536)
def zipf(word: str) -> float:
    """Zipf frequency of the lower-cased word in English (``wordfreq``; 0 when unknown)."""
    from wordfreq import zipf_frequency

    return zipf_frequency(word.lower(), "en")


def is_frequent_word(word: str) -> bool:
    """An ordinary word ("Cash", "January") or one used as often as one in English text."""
    return word.lower() in common_words() or zipf(word) >= FREQUENT_ZIPF


KNOWN_WORD_ZIPF = 3.0


def is_known_word(word: str) -> bool:
    """A word English text uses now and then ("Verify", "Latitude"): after a given name it
    makes a product more likely than a person, unless the lexicon knows it as a surname."""
    return word.lower() in common_words() or zipf(word) >= KNOWN_WORD_ZIPF
