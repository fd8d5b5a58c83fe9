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
from ingest.pii.name_lexicon import is_common_word, is_frequent_word, is_given, is_name_word, is_surname, zipf
from ingest.pii.person_data import NOT_NAME_WORDS
from ingest.pii.person_shapes import english_word

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
        if any(w.lower() in NOT_NAME_PARTS or w.lower() in NOT_NAME_WORDS for w in words):
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


_OFFICER_TITLE = (
    r"(?:Chief\s+\p{Lu}\p{Ll}+(?:\s+\p{Lu}\p{Ll}+)?\s+Officer|(?:Senior\s+|Executive\s+)?Vice\s+President|"
    r"President|Director|Secretary|Treasurer|Chair(?:man|woman|person)?|Controller|General\s+Counsel|"
    r"CEO|CFO|COO|CTO|CIO|CISO)\b"
)


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
            r"(?=[ \t]*[,\n–—-]?[ \t\n]*" + _OFFICER_TITLE + ")",
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
