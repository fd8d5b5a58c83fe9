"""Outside-written PII material: Presidio's templates, split once into a dev and a held-out part.

The ``presidio-evaluator`` package ships 200 templates and 3,000 identities that nobody in
this project wrote (``benchmarks.pii_presidio_set`` reads them). The split is made once and
never changes:

* **templates**: a template belongs to the *held-out* part when the first byte of the
  SHA-256 of its text (UTF-8, as read from ``templates.txt``) is odd, to *dev* when even;
* **identities** of FakeNameGenerator.com: the same rule on the row's ``Number`` column, so
  a name, street or phone seen while tuning never comes back in the held-out part;
* **fillers**: each slot is filled by one of three generators, in turn:
  ``fng`` (the FakeNameGenerator identities, national and international phone formats,
  one-line and multi-line addresses), ``faker`` (the Faker package, 16 locales, its own
  names, addresses and phone formats) and ``corpus`` (``benchmarks.pii_corpus``: this
  project's generator, kept to a third). Faker and corpus fillers draw with a different
  seed per part.

Only the dev part may be looked at (``--show-misses`` prints dev examples only); the
held-out part is the figure that counts, and nothing is tuned on it.
"""

from __future__ import annotations

import hashlib
import random
import re

from benchmarks.pii_corpus import LabelledText, planted_value
from benchmarks.pii_presidio_set import PresidioData, _neutral, _sentinel

PARTS = ("dev", "heldout")
GENERATORS = ("fng", "faker", "corpus")
FAKER_LOCALES = (
    "en_US", "en_GB", "de_DE", "fr_FR", "it_IT", "es_ES", "pt_BR", "pt_PT",
    "nl_NL", "pl_PL", "sv_SE", "da_DK", "fi_FI", "cs_CZ", "hu_HU", "en_AU",
)  # fmt: skip
_SLOT = re.compile(r"\{\{(\w+)\}\}")
_PERSON_SLOTS = ("person", "name", "name_male", "name_female")


def part_of(key: str) -> str:
    """'heldout' when the first byte of SHA-256(key) is odd, else 'dev'."""
    return "heldout" if hashlib.sha256(key.encode("utf-8")).digest()[0] % 2 else "dev"


def split(data: PresidioData, part: str) -> PresidioData:
    """The templates and identities of one part."""
    return PresidioData(
        templates=[t for t in data.templates if part_of(t) == part],
        people=[p for p in data.people if part_of("person:" + p["Number"]) == part],
        organizations=data.organizations,
        nationalities=data.nationalities,
        origin=f"{data.origin} [{part}]",
    )


# --------------------------------------------------------------------------- fillers


def _fng_phone(p: dict[str, str], rng: random.Random) -> tuple[str, str]:
    national = p["TelephoneNumber"].strip()
    code = p["TelephoneCountryCode"].strip()
    choice = rng.random()
    if choice < 0.45:
        return national, "fng_national"
    if choice < 0.9:
        return f"+{code} {national.removeprefix('0')}", "fng_international"
    return f"00{code} {national.removeprefix('0')}", "fng_00"


def _fng_address(p: dict[str, str], rng: random.Random) -> tuple[str, str]:
    street, city, zipc = p["StreetAddress"], p["City"], p["ZipCode"]
    country = p["CountryFull"]
    if p["Country"] in ("US", "CA", "AU"):
        tail = f"{city}, {p['State']} {zipc}"
    elif p["Country"] in ("GB", "NZ", "ZA", "IE"):
        tail = f"{city} {zipc}"
    else:
        tail = f"{zipc} {city}"
    style = rng.random()
    if style < 0.45:
        return f"{street}, {tail}", "fng_one_line"
    if style < 0.8:
        return f"{street}\n{tail}", "fng_two_lines"
    return f"{street}\n{tail}\n{country}", "fng_three_lines"


class Fillers:
    """One part's values, by generator: ``value(generator, slot, person)``."""

    def __init__(self, data: PresidioData, seed: int) -> None:
        self.data = data
        self.rng = random.Random(seed)
        from faker import Faker

        self._fakers = [Faker(loc) for loc in FAKER_LOCALES]
        for i, f in enumerate(self._fakers):
            f.seed_instance(seed * 100 + i)
        self._us = Faker("en_US")  # card types and SSNs as en_US defines them
        self._us.seed_instance(seed * 100 + 99)

    def _faker(self) -> object:
        return self.rng.choice(self._fakers)

    def value(self, gen: str, slot: str, person: dict[str, str]) -> tuple[str, str, str] | None:
        """(label, value, format) or None for a slot this filler leaves to the template code."""
        rng = self.rng
        if slot in _PERSON_SLOTS or slot.startswith(("first_name", "last_name")):
            return ("PERSON", *self._name(gen, slot, person))
        if slot == "phone_number":
            if gen == "fng":
                return ("PHONE_NUMBER", *_fng_phone(person, rng))
            if gen == "faker":
                return "PHONE_NUMBER", " ".join(self._faker().phone_number().split()), "faker"
            return "PHONE_NUMBER", planted_value("PHONE_NUMBER", rng)[1], "corpus"
        if slot == "address":
            if gen == "fng":
                return ("STREET_ADDRESS", *_fng_address(person, rng))
            if gen == "faker":
                fk = self._faker()
                return "STREET_ADDRESS", fk.address().strip(), f"faker_{fk.locales[0]}"
            return "STREET_ADDRESS", planted_value("STREET_ADDRESS", rng)[1], "corpus"
        if slot == "street_address":
            if gen == "faker":
                fk = self._faker()
                return "STREET_ADDRESS", fk.street_address(), f"faker_{fk.locales[0]}"
            return "STREET_ADDRESS", person["StreetAddress"], "fng_street"
        if slot == "email":
            if gen == "faker":
                return "EMAIL_ADDRESS", self._faker().email(), "faker"
            if gen == "corpus":
                return "EMAIL_ADDRESS", planted_value("EMAIL_ADDRESS", rng)[1], "corpus"
            return "EMAIL_ADDRESS", person["EmailAddress"], "fng"
        label = {"credit_card_number": "CREDIT_CARD", "iban": "IBAN_CODE", "ssn": "US_SSN",
                 "ip_address": "IP_ADDRESS"}.get(slot)  # fmt: skip
        if label is None:
            return None
        if gen == "corpus" or (gen == "fng" and label != "CREDIT_CARD"):
            return label, planted_value(label, rng)[1], "corpus"
        return label, *self._faker_value(label)

    def _faker_value(self, label: str) -> tuple[str, str]:
        rng = self.rng
        if label == "CREDIT_CARD":
            fk = self._us
            kind = rng.choice(
                ["visa16", "visa13", "visa19", "mastercard", "amex", "discover", "jcb15", "jcb16",
                 "diners", "maestro"]
            )  # fmt: skip
            number = fk.credit_card_number(card_type=kind)
            style = rng.random()
            if style < 0.4 and len(number) == 16:
                sep = rng.choice([" ", "-"])
                number = sep.join(number[i : i + 4] for i in range(0, 16, 4))
            return number, f"faker_{kind}"
        if label == "IBAN_CODE":
            return self._faker().iban(), "faker"
        if label == "US_SSN":
            return self._us.ssn(), "faker"
        fk = self._faker()
        return (fk.ipv4() if rng.random() < 0.7 else fk.ipv6()), "faker"

    def _name(self, gen: str, slot: str, person: dict[str, str]) -> tuple[str, str]:
        rng = self.rng
        if gen == "fng":
            first, last = person["GivenName"], person["Surname"]
        elif gen == "faker":
            fk = self._faker()
            male = "_male" in slot
            female = "_female" in slot
            first = (fk.first_name_male() if male else fk.first_name_female() if female
                     else fk.first_name())  # fmt: skip
            last = fk.last_name()
        else:
            value = planted_value("PERSON", rng, "first_last")[1]
            first, _, last = value.partition(" ")
        if slot.startswith("first_name"):
            return first, f"{gen}_first"
        if slot.startswith("last_name"):
            return last, f"{gen}_last"
        middle = f" {person['MiddleInitial']}." if gen == "fng" and rng.random() < 0.2 else ""
        return f"{first}{middle} {last}", f"{gen}_full"


def fill(template: str, fillers: Fillers, gen: str, part: str) -> LabelledText:
    data, rng = fillers.data, fillers.rng
    template = template.replace("{{building_number}} {{street_name}}", "{{street_address}}")
    item = LabelledText("", [], language="en", source=f"outside/{part}/{gen}")
    out: list[str] = []
    pos = last = 0
    person = rng.choice(data.people)
    for m in _SLOT.finditer(template):
        out.append(template[last : m.start()])
        pos += m.start() - last
        last = m.end()
        slot = m.group(1)
        if slot in _PERSON_SLOTS:
            person = rng.choice(data.people)  # a new full name is a new person
        made = fillers.value(gen, slot, person)
        if made is not None:
            label, value, fmt = made
            lines = value.splitlines() if label == "STREET_ADDRESS" else [value]
            value = "\n".join(" ".join(line.split()) for line in lines if line.strip())
            item.spans.append((pos, pos + len(value), label))
            item.formats.append(fmt)
        elif slot.startswith("prefix"):
            value = person["Title"] or "Mr."
        elif slot in ("organization", "job", "age", "year", "day_of_week") or slot.startswith(
            "nation"
        ):
            value = " ".join(_sentinel(slot, rng, data, person).split())
            item.sentinels.append((pos, pos + len(value)))
            item.sentinel_kinds.append(slot.upper())
        else:
            value = " ".join(_neutral(slot, rng, data, person).split())
            item.neutral.append((pos, pos + len(value), slot))
        out.append(value)
        pos += len(value)
    out.append(template[last:])
    item.text = "".join(out)
    return item


def make_outside_corpus(
    data: PresidioData, part: str, n_sentences: int, seed: int = 11
) -> list[LabelledText]:
    """``n_sentences`` filled templates of ``part``; generators and templates in turn."""
    if part not in PARTS:
        raise ValueError(f"part must be one of {PARTS}")
    own = split(data, part)
    fillers = Fillers(own, seed + (0 if part == "dev" else 7919))
    templates = [t for t in own.templates if _SLOT.search(t)]
    order = [templates[i % len(templates)] for i in range(n_sentences)]
    fillers.rng.shuffle(order)
    return [fill(t, fillers, GENERATORS[i % len(GENERATORS)], part) for i, t in enumerate(order)]


def by_generator(items: list[LabelledText]) -> dict[str, list[LabelledText]]:
    out: dict[str, list[LabelledText]] = {g: [] for g in GENERATORS}
    for item in items:
        out[item.source.rsplit("/", 1)[-1]].append(item)
    return out

