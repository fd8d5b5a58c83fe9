"""Projects and terms that spaCy calls people, on README-like text (issue 19).

The real analyzer and the real Rampart model (``ingest.pii.second_opinion``,
``KB_PII_SECOND_OPINION``: by default asked in texts written as markup only): a doubtful
finding with no lexicon name (or a lone lexicon name in markup) is dropped only when Rampart
sees no name in it, and names from outside the lexicon, in prose, beside their e-mail
addresses and on copyright lines, stay redacted with it on everywhere. With the defaults, a
one-word finding the document also writes in lower case is no person (``lowercase_echo``).
"""

from __future__ import annotations

import pytest

from ingest.deidentify import Deidentifier, DeidentifyConfig
from ingest.pii import second_opinion
from ingest.pii.product_terms import lowercase_words
from kb_service.settings import Settings

README = [
    "FastAPI depends on Pydantic and Starlette. Werkzeug is a comprehensive WSGI library.",
    "Professional support for authlib is available through Tidelift: https://tidelift.com/subscription.",
    "If you find a vulnerability, use the Tidelift security contact. Tidelift will coordinate the fix.",
]
PEOPLE = [
    ("Copyright (c) 2021 Zeliha Sultygov. All rights reserved.", "Sultygov"),
    ("Thanks to Wacława Adamska for the initial code.", "Adamska"),
    ("Zeliha Sultygov <zeliha.sultygov@example.org> maintains the parser.", "Sultygov"),
]


@pytest.fixture(scope="module")
def second_opinion_on() -> Deidentifier:
    deid = Deidentifier(DeidentifyConfig.from_settings(Settings(pii_second_opinion=True)))
    deid.warm_up()
    return deid


@pytest.fixture(scope="module")
def second_opinion_off() -> Deidentifier:
    deid = Deidentifier(DeidentifyConfig.from_settings(Settings(pii_second_opinion="off")))
    deid.warm_up()
    return deid


def _people(deid: Deidentifier, texts: list[str]) -> list[str]:
    found = deid.find_many(texts, document=True)
    return [t[s:e] for t, spans in zip(texts, found) for s, e, kind in spans if kind == "PERSON"]


def test_projects_in_a_readme_are_no_people(deidentifier: Deidentifier) -> None:
    people = _people(deidentifier, README)
    assert not any(word in " ".join(people) for word in ("Starlette", "Werkzeug", "Tidelift")), people


@pytest.mark.parametrize(("text", "surname"), PEOPLE)
def test_names_the_lexicon_lacks_stay_redacted(
    deidentifier: Deidentifier, second_opinion_on: Deidentifier, text: str, surname: str
) -> None:
    for deid in (deidentifier, second_opinion_on):
        redacted = deid.session().redact_many([*README, text])[-1].text
        assert surname not in redacted, redacted


def test_the_model_tells_a_name_from_a_project() -> None:
    model = second_opinion.shared_model()
    text = "FastAPI depends on Starlette. Please call Zeliha Sultygov about it."

    def best(word: str) -> float:
        start = text.index(word)
        return max(p for s, e, p in model.name_probabilities(text) if e > start and s < start + len(word))

    assert best("Sultygov") >= 0.5
    assert best("Starlette") < second_opinion.NAME_PROBABILITY


def test_long_texts_are_read_in_windows() -> None:
    model = second_opinion.shared_model()
    text = "The parser reads the file. " * 150 + "Please call Zeliha Sultygov about it."
    probs = model.name_probabilities(text)
    start = text.index("Sultygov")
    assert len(text) - probs[-1][1] <= 1  # every token scored, past the first 510
    assert max(p for s, e, p in probs if e > start and s < start + 8) >= 0.5


def test_the_veto_is_what_frees_a_doubtful_project(
    second_opinion_off: Deidentifier, second_opinion_on: Deidentifier
) -> None:
    """With the second opinion off the same texts keep findings the model drops: the rule
    does the work, not another filter."""
    texts = ["It is safe to concurrently use Blis from multiple threads.",
             "Subscribe to Tidelift for professional support.",
             "The Zipf scale was proposed by Marc Brysbaert."]
    for text in texts:  # each on its own: no document-level rule helps
        assert _people(second_opinion_off, [text]), text
    assert _people(second_opinion_on, texts[:2]) == []
    assert _people(second_opinion_on, texts[2:]) == ["Marc Brysbaert"]


def test_a_list_of_unknown_words_is_left_to_the_model(second_opinion_on: Deidentifier) -> None:
    """"with Blis, Kudu and Starlette in mind" reads like names to Rampart too (0.13-0.36):
    the veto keeps what the model doubts, so privacy wins where both models hesitate."""
    text = ["Supervisord was written with Blis, Kudu and Starlette in mind."]
    assert {"Blis", "Kudu", "Starlette"} <= set(_people(second_opinion_on, text))


def test_lower_case_words_skip_addresses_and_handles_of_people() -> None:
    words = lowercase_words([
        "See https://tidelift.com and cython-blis; mail jane.doe@example.org or @wiola.",
        "Code at github.com/fredrik-johansson/mpmath.",
    ])
    assert {"tidelift", "blis", "cython", "mpmath"} <= words
    assert not {"jane", "doe", "wiola", "fredrik", "johansson"} & words


def test_where_people_are_named_the_model_is_not_asked() -> None:
    text = "Copyright 2012-2016 Kesto Varjonen and contributors.\nFastAPI depends on Starlette."
    start = text.index("Kesto")
    assert second_opinion.credited(text, start, start + len("Kesto Varjonen"))
    for cue, name in (("Bojar, O., Huck, M., Koehn, P.", "Huck"),
                      ("please ask Kesto about the parser", "Kesto"), ("Authors: Kesto", "Kesto")):
        at = cue.index(name)
        assert second_opinion.credited(cue, at, at + len(name)), cue
    at = text.index("Starlette")
    assert not second_opinion.credited(text, at, at + len("Starlette"))


def test_a_name_on_a_copyright_line_survives_the_models_doubt(second_opinion_on: Deidentifier) -> None:
    """Rampart doubts this name (below the bar), and without ``credited`` it would go; on a
    copyright line it is not asked, so it stays redacted."""
    text = "Copyright 2012-2016 Kesto Varjonen and contributors."
    start, end = text.index("Kesto"), text.index(" and")
    model = second_opinion.shared_model()
    best = max(p for s, e, p in model.name_probabilities(text) if e > start and s < end)
    needed = second_opinion.bar(text[start:end])
    assert needed is not None and best < needed  # the model alone would drop it
    assert "Varjonen" not in second_opinion_on.session().redact_many([text])[0].text


def test_a_lone_lexicon_name_in_markup_is_asked_about(
    second_opinion_off: Deidentifier, second_opinion_on: Deidentifier
) -> None:
    """"Mac" of "Mac OS X" in README text is a lexicon name spaCy calls a person: with the
    second opinion it goes; the same word in plain prose, or thanked in markup, stays."""
    readme = "Supported: `pip install x` works on Mac and Linux."
    assert _people(second_opinion_off, [readme]) == ["Mac"]
    assert _people(second_opinion_on, [readme]) == []
    assert _people(second_opinion_on, ["I met Mac at the station yesterday."]) == ["Mac"]
    assert _people(second_opinion_on, ["Thanks to Cassandra for the `--fast` fix."]) == ["Cassandra"]


PLAIN_PROJECT = "It is safe to concurrently use Blis from multiple threads."
MAN_TEXT = "Use fork(2) and the --threads option to start more workers."


def test_by_default_the_model_is_asked_in_markup_texts_alone(
    second_opinion_on: Deidentifier, deidentifier: Deidentifier
) -> None:
    """The default (``KB_PII_SECOND_OPINION=markup``): "Mac" of a README line goes as it does
    everywhere; the same doubtful project in plain prose stays, as with the second opinion off."""
    assert Settings().pii_second_opinion == "markup"
    second_opinion_in_markup = deidentifier
    readme = "Supported: `pip install x` works on Mac and Linux."
    assert _people(second_opinion_in_markup, [readme]) == []
    assert _people(second_opinion_on, [PLAIN_PROJECT]) == []
    assert _people(second_opinion_in_markup, [PLAIN_PROJECT]) == ["Blis"]
    assert _people(second_opinion_in_markup, ["I met Mac at the station yesterday."]) == ["Mac"]


def test_a_document_often_written_as_markup_is_asked_about_throughout(
    deidentifier: Deidentifier,
) -> None:
    """A manual page's plain paragraph is asked about when a tenth of the page's texts or more
    are markup (``person_review.TECHNICAL_SHARE``); where one stray markup text sits in more
    prose than that, only the markup text is."""
    assert _people(deidentifier, [MAN_TEXT, PLAIN_PROJECT]) == []
    prose = ["The workers share one queue and stop when it is empty."] * 8
    assert _people(deidentifier, [MAN_TEXT, PLAIN_PROJECT, *prose]) == []
    assert _people(deidentifier, [MAN_TEXT, PLAIN_PROJECT, *prose, prose[0]]) == ["Blis"]


def test_the_scope_is_checked() -> None:
    assert Settings(pii_second_opinion=True).pii_second_opinion == "everywhere"
    assert Settings(pii_second_opinion="false").pii_second_opinion == "off"
    assert Settings(pii_second_opinion=" Markup").pii_second_opinion == "markup"
    with pytest.raises(ValueError, match="markup"):
        Settings(pii_second_opinion="sometimes")
    with pytest.raises(ValueError, match="second_opinion"):
        DeidentifyConfig(entities=("PERSON",), second_opinion="sometimes")
