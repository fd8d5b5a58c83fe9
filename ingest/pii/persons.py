"""English person-name recognizers besides spaCy's NER: names after a title or a label,
names with a surname particle, and the spaCy recognizer minus CJK spans."""

from __future__ import annotations

from collections import Counter
from typing import Any, ClassVar

import regex as re
from presidio_analyzer import Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.predefined_recognizers import SpacyRecognizer

from ingest.given_names import NOT_NAME_PARTS
from ingest.pii.common import _CJK_RE, _FLAGS, ScanningRecognizer
from ingest.pii.name_lexicon import (
    is_common_word, is_country, is_frequent_word, is_given, is_known_word, is_name_word, is_surname,
    zipf,
)
from ingest.pii.person_data import NOT_NAME_WORDS, OFFICER_TITLE
from ingest.pii.person_shapes import (
    english_word, line_around, markup, not_name_word, people_named_near, person_word_before,
)

# A capitalised name word in any Latin script: "Hamanová", "Ørsted", "O'Neil", "Jean-Luc".
_EN_NAME = r"\p{Lu}\p{Ll}+(?:[-'’]\p{Lu}?\p{Ll}+)?"


class EnglishPersonCueRecognizer(PatternRecognizer):
    """English names spaCy's small model misses after a title or a label:
    ``Dr. Jane Doe``, ``Contact: Jane Doe``, ``Approved by Jane Doe``."""

    PATTERNS: ClassVar[list] = [
        Pattern(
            "en_name_after_title",
            r"(?<![A-Za-z])(?i:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Madam|Mme|Mlle|Herr|Frau)\.?\s+\K"
            + _EN_NAME
            + rf"(?:\s+\p{{Lu}}\.)?(?:\s+{_EN_NAME}){{0,2}}",
            0.6,
        ),
        Pattern(
            "en_name_after_label",
            r"(?<![A-Za-z])(?:Contact(?: person)?|Attn|Attention|Name|Full name|Signed|Signature|"
            r"Employee|Customer|Owner|Applicant|Recipient|Prepared by|Approved by|Reviewed by|"
            r"Submitted by|Signed by|Requested by)\s*[:\-]?\s+\K"
            + _EN_NAME
            + rf"(?:\s+\p{{Lu}}\.)?(?:\s+{_EN_NAME}){{1,2}}",
            0.5,
        ),
        Pattern(
            # One word is enough after "my name is", "maiden name is", "last name?", "Dear".
            "en_name_after_name_is",
            r"(?<![A-Za-z])(?:(?i:(?:(?:first|last|middle|maiden|family|given|sur)\s?)?name)"
            r"\s*(?:is|was|[:?\-])|(?i:named|dear))\s+\K"
            + _EN_NAME
            + rf"(?:\s+\p{{Lu}}\.)?(?:\s+{_EN_NAME}){{0,2}}",
            0.5,
        ),
        Pattern(
            # Role labels only with a colon: "Deputy: Isabel Nguyen", not "Officer Training".
            "en_name_after_role_colon",
            r"(?<![A-Za-z])(?:Deputy|Manager|Supervisor|Director|Coordinator|Administrator|"
            r"Representative|Assistant|Lead|Officer|Head|Escalation contact|Point of contact|"
            r"Policy owner|Data protection officer)\s*:\s+\K"
            + _EN_NAME
            + rf"(?:\s+\p{{Lu}}\.)?(?:\s+{_EN_NAME}){{1,2}}",
            0.5,
        ),
        Pattern(
            "en_name_after_zh_label",
            r"(?:姓名|联系人|负责人|收件人|申请人|客户|员工|经理|致)[：:]?\s*\K"
            + _EN_NAME
            + rf"(?:\s+\p{{Lu}}\.)?(?:\s+{_EN_NAME}){{1,2}}",
            0.6,
        ),
    ]

    def __init__(self) -> None:
        super().__init__(
            supported_entity="PERSON",
            name="EnglishPersonCueRecognizer",
            patterns=self.PATTERNS,
            global_regex_flags=_FLAGS,
        )

    def validate_result(self, pattern_text: str) -> bool | None:
        # "Owner: Security Team", "Employee Assistance Program" are no names; nor is a phrase
        # ending in a frequent English word that is no name ("Employee Stock Purchase Plan",
        # "Named Entity Recognition").
        words = pattern_text.split()
        if any(w.lower() in NOT_NAME_PARTS for w in words):
            return False
        return False if english_word(words[-1]) else None


class _LexiconCheckedNames(PatternRecognizer):
    """Pattern names whose first word must be a given name or last word a surname of the
    lexicon, none of them an organisation word ("Checked by Human Resources" is no one)."""

    NAME: ClassVar[str] = ""
    PATTERNS: ClassVar[list] = []

    def __init__(self) -> None:
        super().__init__(supported_entity="PERSON", name=self.NAME, patterns=self.PATTERNS, global_regex_flags=_FLAGS)

    def validate_result(self, pattern_text: str) -> bool | None:
        words = pattern_text.split()
        if any(not_name_word(w) for w in words):
            return False
        return None if is_given(words[0]) or is_surname(words[-1]) else False


class CreditNameRecognizer(_LexiconCheckedNames):
    """A name after the credit of a work or a check: ``Directed by Quionia Bermúdez``,
    ``Written by ...``, ``Checked by ...``. Teams and departments come after the same words
    ("Checked by Human Resources"), hence the lexicon check."""

    NAME = "CreditNameRecognizer"
    PATTERNS: ClassVar[list] = [
        Pattern(
            "en_name_after_credit",
            r"(?<![A-Za-z])(?i:(?:written|authored|edited|translated|compiled|checked|verified|"
            r"authori[sz]ed|directed|produced|presented|hosted|illustrated|narrated)\s+by|starring)"
            r"\s*[:\-]?\s+\K" + _EN_NAME + rf"(?:\s+\p{{Lu}}\.)?(?:\s+{_EN_NAME}){{1,2}}",
            0.5,
        ),
    ]


class OfficerNameRecognizer(_LexiconCheckedNames):
    """Signatories and officers of filings and contracts: ``/s/ Margaret Ellison``, a name
    beside a title (``Priya Ramaswamy, Chief Accounting Officer``) or on the line above it
    (a signature block, also when its lines are joined). The name is 1-3 capitalised words
    after "/s/", 2-3 beside a title, checked against the lexicon ("Audit Committee, Director"
    is no one)."""

    NAME = "OfficerNameRecognizer"
    PATTERNS: ClassVar[list] = [
        Pattern(
            "en_name_after_signature",
            r"/s/[ \t]*\K" + _EN_NAME + rf"(?:[ \t]+\p{{Lu}}\.)?(?:[ \t]+{_EN_NAME}){{0,2}}",
            0.6,
        ),
        Pattern(
            "en_name_beside_title",
            r"(?<![\w-])" + _EN_NAME + rf"(?:[ \t]+\p{{Lu}}\.)?(?:[ \t]+{_EN_NAME}){{1,2}}"
            r"(?=[ \t]*[,\n–—-]?[ \t\n]*" + OFFICER_TITLE + ")",
            0.5,
        ),
    ]


class SpeakerNameRecognizer(ScanningRecognizer):
    """A given name that opens a line and speaks: ``Oliver: What a wife.``, ``> Amara: ...``
    (chat logs, transcripts, interview notes). Not an ordinary word ("Will:", "Note:"); a
    given name that English also uses often ("Grant", "Chase", "Oliver") only before words
    of speech, not before a value ("Grant: 500 EUR per year"). A word no lexicon knows and
    English hardly uses (Zipf < 2) is a speaker when it opens two such lines ("Minea: ...")."""

    ENTITY = "PERSON"
    SCORE = 0.5
    _SPEAKER = re.compile(rf"^[ \t>*-]*({_EN_NAME}):[ \t]+([^\n]*)", re.MULTILINE)

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[RecognizerResult]:
        out = []
        speakers = list(self._SPEAKER.finditer(text))
        turns = Counter(m.group(1) for m in speakers)
        for m in speakers:
            word = m.group(1)
            if is_common_word(word) or word.lower() in NOT_NAME_WORDS:
                continue
            if not is_given(word) and (turns[word] < 2 or is_name_word(word) or zipf(word) >= 2.0):
                continue
            said = m.group(2).split()
            if is_frequent_word(word) and (len(said) < 3 or any(ch.isdigit() for ch in m.group(2))):
                continue
            out.append(self.finding(m.start(1), m.end(1), self.SCORE))
        return out


class ParticleNameRecognizer(PatternRecognizer):
    """Names with a surname particle, which spaCy's small model misses: ``Sofia de la Cruz``,
    ``Anna van der Berg``. Places read the same ("Puerto de la Cruz"), so the first word
    must be a common given name."""

    PATTERNS: ClassVar[list] = [
        Pattern(
            "en_name_with_particle",
            r"(?<![A-Za-z])[A-Z][a-z]+\s+"
            r"(?:van der|van den|van de|van|von der|von|de la|de los|del|della|de|di|da|du|ten|ter)"
            r"\s+[A-Z][a-z]+(?:-[A-Z][a-z]+)?(?![A-Za-z])",
            0.5,
        )
    ]

    def __init__(self) -> None:
        super().__init__(
            supported_entity="PERSON",
            name="ParticleNameRecognizer",
            patterns=self.PATTERNS,
            global_regex_flags=_FLAGS,
        )

    def validate_result(self, pattern_text: str) -> bool | None:
        return None if is_given(pattern_text.split()[0]) else False


class LatinSpacyRecognizer(SpacyRecognizer):
    """Presidio's spaCy recognizer, minus entities that contain CJK characters: English NER on
    Chinese text is noise, and such a span would swallow the precise match of
    ``ChinesePersonRecognizer`` inside it when Presidio removes contained duplicates."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: Any = None
    ) -> list[RecognizerResult]:
        results = super().analyze(text, entities, nlp_artifacts)
        return [r for r in results if not _CJK_RE.search(text, r.start, r.end)]


def _no_name_in_capitals(word: str) -> bool:
    """A word in capitals that is no part of a name: a common word, a non-name word or a
    country."""
    return is_common_word(word) or not_name_word(word) or is_country(word)


def _rare(word: str) -> bool:
    """A word of three letters or more that English text seldom uses (``is_known_word``)."""
    return len(word) >= 3 and not is_known_word(word)


class CapitalsNameRecognizer(ScanningRecognizer):
    """A name written in capitals, which spaCy's small model never calls a person: a
    signature block's ``/s/ MARGARET ELLISON``, a form's ``PATIENT: MARIA GARCIA``, ``Dear
    JOHN SMITH``. Two or three words in capitals (a middle initial between), the first a
    given name and the last a surname of the lexicon or a word English seldom uses
    (``is_known_word``: "KOWALSKI"); where people are named (a signature, an officer's title
    on the line or the next, "Dear", "Name:"), either is enough. Every word a lexicon name or
    such a rare word, none a common, non-name or country word ("ANY KIND", "IMPLIED
    WARRANTIES" of a licence), no word twice ("CHAR CHAR") and no firm's suffix after
    ("GRANT THORNTON LLP"). Where nothing names people, it must also stand in prose (not in
    markup, not in a heading of four words or more in capitals) and not be made only of
    frequent English words ("GRANT DATE", "MAY JUNE"). One word in capitals is a name only
    in prose, right after a word that marks a person ("Dear HANNAH", "said MARIA").
    Switched off with ``capital_names`` in ``ingest.pii.person_filters.DISABLED``."""

    ENTITY = "PERSON"
    SCORE = 0.5
    _RUN = re.compile(
        r"(?<![\p{L}\d])\p{Lu}{2,}(?:[-'’]\p{Lu}{2,})?(?:[ \t]+\p{Lu}\.)?"
        r"(?:[ \t]+\p{Lu}{2,}(?:[-'’]\p{Lu}{2,})?){1,2}(?![\p{L}\d])"
    )
    # One word in capitals, not beside another (a run of two or more is ``_RUN``'s).
    _LONE = re.compile(
        r"(?<![\p{L}\d]|\p{Lu}{2}[ \t]+)\p{Lu}{3,}(?:[-'’]\p{Lu}{2,})?(?![\p{L}\d]|[ \t]+\p{Lu}{2})"
    )
    _FIRM_AFTER = re.compile(r"[ \t,]*(?:LLP|LLC|L\.L\.C\.|INC|CORP|CO\b|LTD|PLC|LP\b|&|AND COMPANY)")

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[RecognizerResult]:
        from ingest.pii import person_filters

        if "capital_names" in person_filters.DISABLED:
            return []
        out: list[RecognizerResult] = []
        taken = 0
        for m in self._RUN.finditer(text, overlapped=True):
            if m.start() < taken:
                continue
            end = self._name_end(text, m)
            if end is not None:
                out.append(self.finding(m.start(), end, self.SCORE))
                taken = end
        if not markup(text):
            out.extend(
                self.finding(m.start(), m.end(), self.SCORE) for m in self._LONE.finditer(text)
                if not any(r.start <= m.start() < r.end for r in out) and self._lone_name(text, m)
            )
        return out

    @staticmethod
    def _lone_name(text: str, m: Any) -> bool:
        """One word in capitals right after a word that marks a person ("Dear HANNAH", "said
        MARIA"), and a name of the lexicon."""
        word = m.group()
        if _no_name_in_capitals(word) or not is_name_word(word):
            return False  # "call PTRACE", "user GID": a rare word alone is a constant
        return person_word_before(text, m.start())

    def _name_end(self, text: str, m: Any) -> int | None:
        """Where the name that starts at ``m`` ends (its longest valid form), or None."""
        words = list(re.finditer(r"\S+", m.group()))
        while len(words) >= 2:
            end = m.start() + words[-1].end()
            if self._is_name(text, m.start(), end, [w.group() for w in words]):
                return end
            words.pop()
            if words and len(words[-1].group()) == 2 and words[-1].group().endswith("."):
                words.pop()  # a middle initial does not end a name
        return None

    def _is_name(self, text: str, start: int, end: int, words: list[str]) -> bool:
        names = [w for w in words if not w.endswith(".")]
        if len(names) < 2 or len({w.lower() for w in names}) < len(names):
            return False
        if any(_no_name_in_capitals(w) or not (is_name_word(w) or _rare(w)) for w in names):
            return False  # "ANY KIND", "IMPLIED WARRANTIES": a licence's capitals
        last = names[-1]
        rare_last = _rare(last)  # "KOWALSKI": a surname the lexicon lacks
        # A licence in capitals names its "COPYRIGHT HOLDERS" and "AUTHORS": no credit counts.
        named = people_named_near(text, start, end, credits=False)
        if not (is_given(names[0]) and (is_surname(last) or rare_last)
                or named and (is_given(names[0]) or is_surname(last) or rare_last)):
            return False
        if self._FIRM_AFTER.match(text, end):
            return False
        if named:
            return True
        line = line_around(text, start, end)
        heading = len(line.split()) >= 4 and line.upper() == line
        return not (heading or markup(text) or all(is_frequent_word(w) for w in names))
