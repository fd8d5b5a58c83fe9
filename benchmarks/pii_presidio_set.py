"""English sentences from Presidio's research templates, filled and labelled here.

The ``presidio-evaluator`` package (PyPI, MIT) ships 200 templates (``My name is {{person}}``,
signature blocks, addresses on several lines, chat turns, song reviews full of surnames) and
a table of 3,000 fake identities from many countries (fakenamegenerator.com: names with
diacritics, non-US street addresses, national phone numbers). Its own generator needs Faker,
pandas and numpy >= 2.4, which this project's environment does not have; so we read only its
data files, from an installed package, an unpacked copy or the wheel itself, and fill the
templates with ``benchmarks.pii_corpus`` generators. Nothing is copied into this repository:
get the wheel with ``pip download --no-deps presidio-evaluator==0.3.2 -d DIR``.

Labels follow our entity types. Cities, countries, postcodes, bare street names and URLs are
*neutral* (a detection there is neither a hit nor a false alarm); organisations,
nationalities, jobs, ages and years are *sentinels* that must survive. Templates for types we
do not handle (driver's licences) are skipped.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import random
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from benchmarks.pii_corpus import LabelledText, planted_value

_RAW = "presidio_evaluator/data_generator/raw_data/"
_FILES = (
    "templates.txt",
    "FakeNameGenerator.com_3000.csv",
    "companies_and_organizations.csv",
    "nationalities.csv",
)
_SLOT = re.compile(r"\{\{(\w+)\}\}")
_SKIP = ("us_driver_license",)


@dataclass(frozen=True)
class PresidioData:
    templates: list[str]
    people: list[dict[str, str]]
    organizations: list[str]
    nationalities: list[dict[str, str]]
    origin: str


def find_presidio_data(location: str | Path | None = None) -> PresidioData | None:
    """Read the data files from ``location`` (a presidio-evaluator wheel, or a folder holding
    the ``presidio_evaluator`` package or its unpacked wheel), else from an installed package;
    None when there is none."""
    texts: dict[str, str] = {}
    origin = ""
    if location is not None:
        path = Path(location)
        if path.is_file():
            with zipfile.ZipFile(path) as wheel:
                texts = {n: wheel.read(_RAW + n).decode("utf-8-sig") for n in _FILES}
        else:
            base = path / _RAW if (path / _RAW).is_dir() else path
            texts = {n: (base / n).read_text(encoding="utf-8-sig") for n in _FILES}
        origin = str(path)
    else:
        spec = importlib.util.find_spec("presidio_evaluator")  # finds it without importing it
        if spec is None or not spec.submodule_search_locations:
            return None
        base = Path(next(iter(spec.submodule_search_locations))) / "data_generator" / "raw_data"
        texts = {n: (base / n).read_text(encoding="utf-8-sig") for n in _FILES}
        origin = str(base.parents[1])
    templates = [
        line.replace("\\n", "\n").strip()
        for line in texts["templates.txt"].splitlines()
        if "{{" in line
        and not any(s in line for s in _SKIP)
        and not re.search(r"(?<!\{)\{\w+\}(?!\})", line)  # a single-brace typo in one template
    ]
    return PresidioData(
        templates=templates,
        people=list(csv.DictReader(io.StringIO(texts["FakeNameGenerator.com_3000.csv"]))),
        organizations=[
            r["organization"]
            for r in csv.DictReader(io.StringIO(texts["companies_and_organizations.csv"]))
        ],
        nationalities=list(csv.DictReader(io.StringIO(texts["nationalities.csv"]))),
        origin=origin,
    )


def _phone(person: dict[str, str]) -> str:
    """The identity's national number written internationally: +351 21 259 903 5696."""
    national = person["TelephoneNumber"].strip().removeprefix("0")
    return f"+{person['TelephoneCountryCode']} {national}"


def _address(person: dict[str, str]) -> str:
    street, city, zipc = person["StreetAddress"], person["City"], person["ZipCode"]
    if person["Country"] in ("US", "CA", "AU"):
        return f"{street}, {city}, {person['State']} {zipc}"
    if person["Country"] in ("GB", "NZ", "ZA", "IE"):
        return f"{street}, {city} {zipc}"
    return f"{street}, {zipc} {city}"


def _fill(template: str, rng: random.Random, data: PresidioData) -> LabelledText:
    template = template.replace("{{building_number}} {{street_name}}", "{{street_address}}")
    item = LabelledText("", [], language="en", source="presidio_evaluator")
    out: list[str] = []
    pos = last = 0
    for m in _SLOT.finditer(template):
        out.append(template[last : m.start()])
        pos += m.start() - last
        last = m.end()
        slot = m.group(1)
        person = rng.choice(data.people)
        if "_male" in slot or "_female" in slot:
            gender = "female" if "female" in slot else "male"
            person = rng.choice(
                [p for p in data.people[:400] if p["Gender"] == gender] or data.people
            )
        label, fmt, value = None, f"csv_{person['Country']}", ""
        if slot in ("person", "name", "name_male", "name_female"):
            middle = f" {person['MiddleInitial']}." if rng.random() < 0.2 else ""
            label, fmt = "PERSON", "full_name"
            value = f"{person['GivenName']}{middle} {person['Surname']}"
        elif slot.startswith("first_name"):
            label, fmt, value = "PERSON", "first_name_only", person["GivenName"]
        elif slot.startswith("last_name"):
            label, fmt, value = "PERSON", "last_name_only", person["Surname"]
        elif slot.startswith("prefix"):
            value = person["Title"] or "Mr."
        elif slot == "email":
            label, value = "EMAIL_ADDRESS", person["EmailAddress"]
        elif slot == "phone_number":
            label, value = "PHONE_NUMBER", _phone(person)
        elif slot == "address":
            label, value = "STREET_ADDRESS", _address(person)
        elif slot == "street_address":
            label, value = "STREET_ADDRESS", person["StreetAddress"]
        elif slot in ("credit_card_number", "iban", "ssn", "ip_address"):
            kind = {"credit_card_number": "CREDIT_CARD", "iban": "IBAN_CODE", "ssn": "US_SSN"}
            label = kind.get(slot, "IP_ADDRESS")
            _, value, fmt = planted_value(label, rng)
        elif slot in ("organization", "job", "age", "year", "day_of_week") or slot.startswith(
            ("nation",)
        ):
            value = " ".join(_sentinel(slot, rng, data, person).split())
            item.sentinels.append((pos, pos + len(value)))
            item.sentinel_kinds.append(slot.upper())
        else:  # city, country, postcode, zipcode, state_abbr, secondary_address, street_name, url, dates
            value = " ".join(_neutral(slot, rng, data, person).split())
            item.neutral.append((pos, pos + len(value), slot))
        value = " ".join(value.split())
        if label is not None:
            item.spans.append((pos, pos + len(value), label))
            item.formats.append(fmt)
        out.append(value)
        pos += len(value)
    out.append(template[last:])
    item.text = "".join(out)
    return item


def _sentinel(slot: str, rng: random.Random, data: PresidioData, person: dict[str, str]) -> str:
    if slot == "organization":
        return rng.choice(data.organizations)
    if slot == "job":
        return person["Occupation"]
    if slot == "age":
        return str(rng.randint(18, 90))
    if slot == "year":
        return str(rng.randint(1950, 2024))
    if slot == "day_of_week":
        return rng.choice(["Monday", "Tuesday", "Friday", "Sunday"])
    row = rng.choice(data.nationalities)
    column = {"nation_woman": "woman", "nation_plural": "plural"}.get(slot, "nationality")
    return row[column].title()


def _neutral(slot: str, rng: random.Random, data: PresidioData, person: dict[str, str]) -> str:
    if slot == "city":
        return person["City"]
    if slot == "country":
        return rng.choice(data.nationalities)["country"].title()
    if slot in ("postcode", "zipcode"):
        return person["ZipCode"]
    if slot == "state_abbr":
        return person["State"] or "CA"
    if slot == "secondary_address":
        return rng.choice(["Apt. {}", "Suite {}", "Unit {}"]).format(rng.randint(1, 999))
    if slot == "street_name":
        return re.sub(r"^\d+\s+|\s+\d+\w*$", "", person["StreetAddress"]) or "Main Street"
    if slot == "url":
        return f"https://www.{person['Domain'] or 'example.com'}/{rng.choice(['about', 'p/123'])}"
    if slot in ("date_time", "date_of_birth"):
        return person["Birthday"]
    return person.get(slot, "") or slot


def make_presidio_corpus(data: PresidioData, n_sentences: int, seed: int) -> list[LabelledText]:
    """``n_sentences`` filled templates, each template about equally often."""
    rng = random.Random(seed)
    order = [data.templates[i % len(data.templates)] for i in range(n_sentences)]
    rng.shuffle(order)
    return [_fill(t, rng, data) for t in order]
