"""Training pairs and datasets: rule questions, LLM questions, RAFT assembly, the build by
document, the personal-data scan and the card."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.deidentify import Deidentifier
from ingest.pipeline import Pipeline
from kb_service.embedder import SentenceTransformerEmbedder
from kb_service.errors import KBError
from kb_service.prompting import REFUSAL_EN, REFUSAL_ZH, ApproximateTokenCounter, refusal_for
from kb_service.settings import Settings
from kb_service.types import Passage, TrainingPair
from tests.corpus.pdfgen import policy_document, write_pdf
from tests.ingest import pii_scan
from training.dataset import (
    PIIScanner,
    build_dataset,
    content_hash,
    dedupe_questions,
    split_documents,
)
from training.pairs import QAPair, RuleGenerator
from training.qa_llm import parse_pairs, well_formed
from training.raft import TrainingExample, build_examples, cite, states_answer

COUNTER = ApproximateTokenCounter()


def passage(text: str, *, doc: str = "doc-a", ordinal: int = 0, section: list[str] | None = None,
            title: str = "Travel Policy") -> Passage:
    section = section or []
    return Passage(
        chunk_id=f"{doc}-{ordinal}", document_id=doc, source=f"{doc}.pdf", title=title,
        section=" > ".join(section), section_path=section, page_start=1, page_end=1,
        ordinal=ordinal, text=text, score=0.0,
    )


def questions(pairs: list[QAPair]) -> dict[str, str]:
    return {p.question: p.answer for p in pairs}


# --- rule generator ---------------------------------------------------------------------------


def test_rules_english_heading_definition_rule_number_yes_no() -> None:
    text = (
        "Full-time employees receive 25 days of paid annual leave per calendar year. "
        "Multi-factor authentication (MFA) is mandatory for every system. "
        "A business trip means any journey of more than 50 km for work. "
        "Hotel bookings must not exceed 160 euros per night. "
        "SMS codes are not accepted. "
        "Contact <PERSON_1> for questions about <PERSON_2>."
    )
    chunk = passage(text, section=["2. Leave", "2.1 Annual Leave"])
    pairs = RuleGenerator(max_per_chunk=20).generate(chunk)
    found = questions(pairs)
    assert found["What does the Travel Policy say about annual leave?"].startswith("Full-time employees receive 25 days")
    assert "What does MFA stand for?" in found
    assert found["What does a business trip mean?"].startswith("A business trip means")
    assert found["What is not allowed for hotel bookings?"] == "Hotel bookings must not exceed 160 euros per night."
    assert "Full-time employees receive how many days of paid annual leave per calendar year?" in found
    assert "Hotel bookings must not exceed how much per night?" in found
    assert found["Are SMS codes accepted?"] == "SMS codes are not accepted."
    types = {p.qtype for p in pairs}
    assert {"fact", "definition", "procedure", "number", "yesno"} <= types
    for pair in pairs:
        assert pair.answer in text, "rule answers are copied from the chunk"
        assert "<" not in pair.question, "no question carries a placeholder"
        assert (pair.chunk_id, pair.document_id, pair.generator) == ("doc-a-0", "doc-a", "rules")


def test_rules_chinese_articles_prohibitions_and_amounts() -> None:
    text = (
        "系统密码长度不得少于12位，每90天更换一次。员工出差每天的餐费补助为150元。"
        "员工账号实行“一人一号”，严禁共用账号。生产系统的变更须在变更管理系统中提交申请。"
    )
    chunk = passage(text, title="信息安全管理制度", section=["第二章 账号与密码管理", "第五条 密码要求"])
    found = questions(RuleGenerator(max_per_chunk=20).generate(chunk))
    assert "《信息安全管理制度》第五条（密码要求）是如何规定的？" in found
    assert found["系统密码长度不得少于多少位？"] == "系统密码长度不得少于12位，每90天更换一次。"
    assert "系统密码长度不得少于12位，每多少天更换一次？" in found
    assert "员工出差每天的餐费补助为多少钱？" in found
    assert found["是否可以共用账号？"] == "员工账号实行“一人一号”，严禁共用账号。"
    assert "对生产系统的变更有什么要求？" in found
    assert all(answer in text for answer in found.values())


def test_rules_table_rows_need_the_header_shape() -> None:
    text = (
        "The following limits apply per person.\n\n"
        "Expense | Limit (USD) | Receipt\n"
        "Taxi | 60.00 | Yes\n"
        "Meals | 75.00 | Yes, itemised\n"
        "broken row | 12\n"
        "Hotel | <PERSON_1> | Yes"
    )
    pairs = [p for p in RuleGenerator().generate(passage(text)) if p.qtype == "table"]
    assert questions(pairs) == {
        "What is the Limit (USD) for Taxi?": "The Limit (USD) for Taxi is 60.00.",
        "What is the Receipt for Meals?": "The Receipt for Meals is Yes, itemised.",
    }


def test_rules_faq_heading_is_the_question_and_output_is_capped() -> None:
    text = "Yes. Every new workspace starts with a 14-day free trial of the Team plan. " * 1 + " ".join(
        f"Plan {i} costs {10 + i} USD per user per month." for i in range(12)
    )
    pairs = RuleGenerator(max_per_chunk=5).generate(passage(text, section=["FAQ", "Is there a free trial?"]))
    assert len(pairs) == 5
    assert pairs[0].question == "Is there a free trial?"


def test_rules_are_supported_by_their_chunk(embedder: SentenceTransformerEmbedder) -> None:
    """Copied answers pass the answer service's own claim verifier."""
    from answer.verify import ClaimVerifier, make_scorer

    text = (
        "Employees on business travel receive a daily meal allowance of 45 euros. "
        "Hotel bookings must not exceed 160 euros per night in any city. "
        "Every trip abroad must be approved by the department head at least 10 days before departure."
    )
    verifier = ClaimVerifier(make_scorer(embedder, None), claim_threshold=Settings().claim_threshold)
    pairs = RuleGenerator(max_per_chunk=12).generate(passage(text, section=["Travel"]))
    assert len(pairs) >= 5
    for pair in pairs:
        verification = verifier.verify(pair.answer, [text])
        assert verification.claims and all(c.supported for c in verification.claims), pair


# --- LLM output parsing ---------------------------------------------------------------------


def test_parse_pairs_is_lenient() -> None:
    assert parse_pairs("Q: How many days?\nA: 25 days.") == [("How many days?", "25 days.")]
    assert parse_pairs("**Question:** How long is leave\n**Answer:** 25 days.\n\nQ: b?\nA: c.") == [
        ("How long is leave?", "25 days."), ("b?", "c."),
    ]
    assert parse_pairs("1. 问题：年假有多少天？\n   答案：25天。") == [("年假有多少天？", "25天。")]
    assert parse_pairs("Q: Is it allowed? A: No, it is not allowed.") == [("Is it allowed?", "No, it is not allowed.")]
    assert parse_pairs("I cannot write a question.") == []


def test_model_pairs_must_be_real_questions_with_sentence_answers() -> None:
    assert well_formed("How many days of leave do employees get?", "Employees get 25 days of leave per year.")
    assert well_formed("系统密码长度不得少于多少位？", "系统密码长度不得少于12位。")
    # what SmolLM2-135M writes and the verifier alone would let through
    assert not well_formed("Who created Northwind Analytics?", "Northwind Analytics")
    assert not well_formed("How do I create a dashboard?", "[Q: How do I create a dashboard?]")
    assert not well_formed("2025年3月1日起施行，原办法同时废止？", "2025年3月1日起施行")
    assert not well_formed("英文: 操作日志保存180天？", "英文: 操作日志保存180天，机密级数据保存1年。")
    assert not well_formed("What is the limit?", REFUSAL_EN)


# --- RAFT assembly ----------------------------------------------------------------------------


def _corpus() -> dict[str, list[Passage]]:
    docs = {}
    for d in range(4):
        doc = f"doc-{d}"
        docs[doc] = [
            passage(f"Rule {d}.{o}: item {d}{o} costs {100 * d + o + 7} USD and is approved by team {d}{o}.",
                    doc=doc, ordinal=o, section=[f"Section {o}"], title=f"Policy {d}")
            for o in range(4)
        ]
    return docs


def _pairs(docs: dict[str, list[Passage]]) -> list[QAPair]:
    return [
        QAPair(f"What does item {p.chunk_id} cost?", p.text.split(": ", 1)[1], p.chunk_id, p.document_id, "number")
        for ps in docs.values() for p in ps
    ]


def _build(docs: dict[str, list[Passage]], seed: int = 7, **overrides: float) -> list[TrainingExample]:
    options = {"distractors": 3, "oracle_probability": 0.8, "refusal_fraction": 0.25}
    options.update(overrides)
    return build_examples(
        _pairs(docs), docs, distractors=int(options["distractors"]),
        oracle_probability=options["oracle_probability"], refusal_fraction=options["refusal_fraction"],
        rng=random.Random(seed), counter=COUNTER, context_tokens=2048, answer_tokens=64,
    )


def test_raft_oracle_position_matches_the_citation() -> None:
    docs = _corpus()
    examples = _build(docs)
    by_id = {p.chunk_id: p for ps in docs.values() for p in ps}
    qa = [e for e in examples if e.kind == "qa" and e.oracle_position is not None]
    assert qa
    for example in qa:
        system, user, assistant = (m["content"] for m in example.messages)
        n = example.oracle_position
        assert example.context_chunks[n - 1] == example.oracle_chunk
        assert re.findall(r"\[(\d+)\]", assistant) == [str(n)]
        assert assistant.endswith(f" [{n}].")
        block = user.split(f"[{n}] ", 1)[1]
        assert block.split("\n", 1)[1].startswith(by_id[example.oracle_chunk].text)
        assert len(example.context_chunks) == 4
        assert example.source_chunks[0] == example.oracle_chunk
        assert set(example.source_chunks) == set(example.context_chunks)
        assert example.document_ids[0] == by_id[example.oracle_chunk].document_id
        assert system.endswith("in at most three sentences.") and REFUSAL_EN in system


def test_raft_memorisation_and_refusal_examples() -> None:
    examples = _build(_corpus())
    refusals = [e for e in examples if e.kind == "refusal"]
    memorised = [e for e in examples if e.kind == "qa" and e.oracle_position is None]
    qa = [e for e in examples if e.kind == "qa"]
    assert len(refusals) == round(0.25 * len(qa))
    assert memorised, "with P = 0.8 some examples leave the oracle out (RAFT)"
    for example in refusals + memorised:
        assert example.oracle_chunk not in example.context_chunks
        assert len(example.context_chunks) == 4  # RAFT keeps the context size
        assert "[" not in example.messages[-1]["content"]
    for example in refusals:
        question = example.messages[1]["content"].rsplit("Question: ", 1)[1]
        assert example.messages[-1]["content"] == refusal_for(question) == REFUSAL_EN
    assert all(e.oracle_position is None for e in _build(_corpus(), oracle_probability=0.0))


def test_raft_distractors_stay_in_the_given_passages_and_never_state_the_answer() -> None:
    docs = _corpus()
    split = {doc: docs[doc] for doc in ("doc-0", "doc-1")}
    pairs = [p for p in _pairs(docs) if p.document_id in split]
    # a chunk of doc-1 that repeats the answer of doc-0's first chunk word for word
    twin = passage("Repeated: " + pairs[0].answer, doc="doc-1", ordinal=9)
    split["doc-1"] = [*split["doc-1"], twin]
    examples = build_examples(
        pairs, split, distractors=3, oracle_probability=1.0, refusal_fraction=1.0,
        rng=random.Random(3), counter=COUNTER, context_tokens=2048, answer_tokens=64,
    )
    allowed = {p.chunk_id for ps in split.values() for p in ps}
    for example in examples:
        assert set(example.context_chunks) <= allowed
        if example.oracle_chunk == pairs[0].chunk_id:
            assert twin.chunk_id not in example.context_chunks
    assert states_answer(twin.text, pairs[0].answer)


def test_raft_is_deterministic_for_a_seed() -> None:
    first = [e.to_json() for e in _build(_corpus(), seed=11)]
    assert first == [e.to_json() for e in _build(_corpus(), seed=11)]
    assert first != [e.to_json() for e in _build(_corpus(), seed=12)]


def test_raft_skips_an_example_whose_oracle_does_not_fit() -> None:
    docs = _corpus()
    long_chunk = passage("Rule X: " + "filler words " * 600 + "item costs 9 USD.", doc="doc-9", ordinal=0)
    docs["doc-9"] = [long_chunk]
    pair = QAPair("What does item X cost?", "item costs 9 USD.", long_chunk.chunk_id, "doc-9", "number")
    examples = build_examples(
        [pair], docs, distractors=3, oracle_probability=1.0, refusal_fraction=0.0,
        rng=random.Random(1), counter=COUNTER, context_tokens=600, answer_tokens=64,
    )
    assert examples == []


def test_cite_puts_the_marker_before_each_sentence_end() -> None:
    assert cite("Leave is 25 days.", 2) == "Leave is 25 days [2]."
    assert cite("Leave is 25 days. It lapses in March!", 1) == "Leave is 25 days [1]. It lapses in March [1]!"
    assert cite("Keep it; do not share it.", 3) == "Keep it; do not share it [3]."
    assert cite("账号将被锁定30分钟。密码须保存。", 4) == "账号将被锁定30分钟[4]。密码须保存[4]。"
    assert cite("The Owner for Taxi is Finance", 1) == "The Owner for Taxi is Finance [1]"
    assert refusal_for("年假有多少天？") == REFUSAL_ZH


# --- split, dedupe, scan --------------------------------------------------------------------


def test_split_by_document() -> None:
    splits, note = split_documents(["b", "a"], (0.8, 0.1, 0.1), seed=1)
    assert splits == {"train": ["a", "b"], "validation": [], "test": []} and note and "3" in note
    ids = [f"doc{i:02d}" for i in range(20)]
    splits, note = split_documents(ids, (0.8, 0.1, 0.1), seed=1)
    assert note is None
    assert [len(splits[s]) for s in ("train", "validation", "test")] == [16, 2, 2]
    assert sorted(sum(splits.values(), [])) == ids
    assert split_documents(reversed(ids), (0.8, 0.1, 0.1), seed=1)[0] == splits
    assert split_documents(ids, (0.8, 0.1, 0.1), seed=2)[0] != splits
    small, _ = split_documents(["x", "y", "z"], (0.8, 0.1, 0.1), seed=1)
    assert [len(small[s]) for s in ("train", "validation", "test")] == [1, 1, 1]
    # adding a document moves few others: the order is a per-document hash
    grown, _ = split_documents([*ids, "doc99"], (0.8, 0.1, 0.1), seed=1)
    moved = [d for d in ids for s in splits if d in splits[s] and d not in grown[s]]
    assert len(moved) <= 2


def test_near_duplicate_questions_are_removed(embedder: SentenceTransformerEmbedder) -> None:
    def pair(q: str, i: int) -> QAPair:
        return QAPair(q, "answer", f"c{i}", "d", "fact")

    texts = [
        "How many days of annual leave do employees get?",
        "How many days of annual leave do employees receive?",  # near-duplicate: dropped
        "What is the hotel limit per night?",
        "《信息安全管理制度》中关于密码要求有哪些规定？",
        "《信息安全管理制度》中关于账号管理有哪些规定？",  # different: kept (the embedder cannot tell)
        "《信息安全管理制度》中关于密码要求有哪些规定？",  # exact repeat: dropped
    ]
    kept = dedupe_questions([pair(q, i) for i, q in enumerate(texts)], embedder, 0.85)
    assert [p.question for p in kept] == [texts[0], texts[2], texts[3], texts[4]]


def test_pii_scanner_ignores_placeholders_and_finds_names(deidentifier: Deidentifier) -> None:
    scanner = PIIScanner(deidentifier)
    assert scanner.findings("Questions go to <PERSON_1> at <EMAIL_ADDRESS_1>.") == {}
    assert scanner.findings("Write to jane.doe@example.com or call 415-555-0134.")
    assert scanner.lines_scanned == 2


# --- the build, end to end ------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus(
    tmp_path_factory: pytest.TempPathFactory,
    embedder: SentenceTransformerEmbedder,
    deidentifier: Deidentifier,
) -> Iterator[tuple[Settings, Pipeline, list[tuple[str, str]]]]:
    """Four generated policies (three English, one Chinese) with planted personal data,
    ingested once for the module."""
    root = tmp_path_factory.mktemp("dataset-corpus")
    with pytest.MonkeyPatch.context() as mp:
        import os

        for key in [k for k in os.environ if k.startswith("KB_")]:
            mp.delenv(key)
        mp.setenv("KB_CONFIG", str(root / "absent-kb.toml"))
        settings = Settings(data_dir=root / "data")
    planted: list[tuple[str, str]] = []
    paths = []
    for seed, language in ((101, "en"), (102, "en"), (105, "en"), (104, "zh")):
        spec, values = policy_document(seed, pages=2, language=language)  # type: ignore[arg-type]
        paths.append(write_pdf(spec, root / f"{language}-{seed}.pdf"))
        planted.extend(values)
    pipe = Pipeline(settings, embedder=embedder, deidentifier=deidentifier)
    pipe.warm_up()
    report = pipe.ingest_paths(paths)
    assert [o.status for o in report.outcomes] == ["ingested"] * 4
    yield settings, pipe, planted
    pipe.close()


def _build_corpus(corpus, out: Path, embedder, deidentifier, **settings_update):  # type: ignore[no-untyped-def]
    settings, pipe, _ = corpus
    settings = settings.model_copy(update=settings_update)
    return build_dataset(
        pipe.store, settings, embedder=embedder, deidentifier=deidentifier, generator="rules",
        out_dir=out, counter=COUNTER, ledger=pipe.ledger,
    )


def _read(folder: Path, split: str) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in (folder / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()]


def test_build_splits_by_document_and_writes_the_card(
    corpus, tmp_path: Path, embedder: SentenceTransformerEmbedder, deidentifier: Deidentifier,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # type: ignore[no-untyped-def]
    settings, pipe, planted = corpus
    out = tmp_path / "ds"
    steps: list[str] = []
    card = build_dataset(
        pipe.store, settings, embedder=embedder, deidentifier=deidentifier, generator="rules",
        out_dir=out, counter=COUNTER, ledger=pipe.ledger, progress=lambda stage, d, t: steps.append(stage),
    )
    assert {"scanning chunks", "writing questions (rules)", "removing near-duplicates", "scanning examples"} <= set(steps)

    rows = {split: _read(out, split) for split in ("train", "validation", "test")}
    assert all(rows.values()), {s: len(r) for s, r in rows.items()}
    docs_in = {split: {d for r in rs for d in r["document_ids"]} for split, rs in rows.items()}
    assert not docs_in["train"] & docs_in["validation"] and not docs_in["train"] & docs_in["test"]
    assert not docs_in["validation"] & docs_in["test"]
    assert {s: sorted(d) for s, d in docs_in.items()} == card.splits

    chunk_doc = {p.chunk_id: p.document_id for p in pipe.store.chunks()}
    for split, rs in rows.items():
        for row in rs:
            TrainingPair.model_validate(row)  # the domain type of kb_service.types
            assert set(row) >= {"messages", "source_chunks", "kind", "document_ids", "qtype"}
            assert [m["role"] for m in row["messages"]] == ["system", "user", "assistant"]
            assert row["kind"] in ("qa", "refusal")
            assert {chunk_doc[c] for c in row["source_chunks"]} <= set(card.splits[split])
            if row["kind"] == "refusal":
                assert row["messages"][-1]["content"] in (REFUSAL_EN, REFUSAL_ZH)
    kinds = {r["kind"] for rs in rows.values() for r in rs}
    assert kinds == {"qa", "refusal"}
    assert any("？" in r["messages"][1]["content"] for rs in rows.values() for r in rs), "Chinese questions"

    pr = [json.loads(line) for line in (out / "prompt_response" / "train.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(pr) == len(rows["train"]) and set(pr[0]) == {"prompt", "response"}
    assert pr[0]["response"] == rows["train"][0]["messages"][-1]["content"]
    assert pr[0]["prompt"].startswith(rows["train"][0]["messages"][0]["content"])

    saved = json.loads((out / "card.json").read_text(encoding="utf-8"))
    for key in ("content_hash", "source_documents", "counts", "tokens", "splits", "documents", "created_at",
                "generator", "settings", "pii_scan", "pairs", "raft"):
        assert key in saved, key
    assert saved["content_hash"] == content_hash(out) == card.content_hash
    versions = {info.document_id: info.version for info in pipe.ledger.list()}
    assert saved["source_documents"] == {d: versions[d] for d in saved["source_documents"]}
    assert len(saved["source_documents"]) == 4
    assert saved["counts"]["by_split"] == {s: len(r) for s, r in rows.items()}
    assert sum(saved["counts"]["by_kind"]["train"].values()) == len(rows["train"])
    assert sum(v["qa"] + v["refusal"] for v in saved["counts"]["by_document"].values()) == sum(map(len, rows.values()))
    assert saved["tokens"]["all"]["max"] >= saved["tokens"]["all"]["p95"] >= saved["tokens"]["all"]["p50"] > 0
    assert saved["pii_scan"]["final_findings"] == 0
    assert "Token lengths" in (out / "card.md").read_text(encoding="utf-8")

    # no planted value anywhere in what was written (tests/ingest/pii_scan.leaks over the files)
    written = {str(p.relative_to(out)): p.read_text(encoding="utf-8") for p in out.rglob("*") if p.is_file()}
    original = pii_scan.persisted_texts
    monkeypatch.setattr(pii_scan, "persisted_texts", lambda s: {**original(s), **written})
    assert pii_scan.leaks(settings, planted) == []


def test_build_twice_gives_the_same_hash(corpus, tmp_path: Path, embedder, deidentifier) -> None:  # type: ignore[no-untyped-def]
    first = _build_corpus(corpus, tmp_path / "one", embedder, deidentifier)
    second = _build_corpus(corpus, tmp_path / "two", embedder, deidentifier)
    assert first.content_hash == second.content_hash
    assert (tmp_path / "one" / "train.jsonl").read_bytes() == (tmp_path / "two" / "train.jsonl").read_bytes()
    assert first.created_at <= second.created_at  # the card differs, the hash does not
    with pytest.raises(KBError, match="not empty"):
        _build_corpus(corpus, tmp_path / "one", embedder, deidentifier)


def test_build_with_fewer_than_three_documents_puts_all_in_train(
    pipeline: Pipeline, tmp_path: Path, embedder, deidentifier  # type: ignore[no-untyped-def]
) -> None:
    from tests.api.conftest import travel_policy_pdf

    pipeline.ingest_paths([travel_policy_pdf(tmp_path)])
    card = build_dataset(
        pipeline.store, pipeline.settings, embedder=embedder, deidentifier=deidentifier,
        out_dir=tmp_path / "ds", counter=COUNTER,
    )
    assert card.counts["by_split"]["validation"] == card.counts["by_split"]["test"] == 0
    assert card.counts["by_split"]["train"] > 0 and card.notes and "all are in train" in card.notes[0]
    answers = " ".join(r["messages"][-1]["content"] for r in _read(tmp_path / "ds", "train"))
    assert "45 euros" in answers and "160 euros" in answers


def test_build_leaves_planted_instructions_out_of_every_example(
    pipeline: Pipeline, tmp_path: Path, embedder, deidentifier  # type: ignore[no-untyped-def]
) -> None:
    """A document with prompt injections: the adapter must neither learn the injected claim
    nor be shown the instruction in a training context."""
    from tests.api.test_prompt_injection import ATTACKS, INJECTED_FACT, injected_policy_pdf

    pipeline.ingest_paths([injected_policy_pdf(tmp_path)])
    card = build_dataset(
        pipeline.store, pipeline.settings, embedder=embedder, deidentifier=deidentifier,
        out_dir=tmp_path / "ds", counter=COUNTER,
    )
    written = (tmp_path / "ds" / "train.jsonl").read_text(encoding="utf-8")
    assert "45 euros" in written and "160 euros" in written
    assert INJECTED_FACT not in written and "PWNED" not in written
    for attack in ATTACKS:
        assert attack[:30] not in written
    assert any("instruction-like sentence(s)" in note for note in card.notes), card.notes


def test_build_refuses_an_empty_store_and_a_personal_data_finding(
    pipeline: Pipeline, tmp_path: Path, embedder, deidentifier, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    kwargs = {"embedder": embedder, "deidentifier": deidentifier, "counter": COUNTER}
    with pytest.raises(KBError, match="no chunks"):
        build_dataset(pipeline.store, pipeline.settings, out_dir=tmp_path / "empty", **kwargs)

    from tests.api.conftest import travel_policy_pdf

    pipeline.ingest_paths([travel_policy_pdf(tmp_path)])
    # A generator that puts a real e-mail address into a question: the pair is dropped.
    import training.dataset as dataset_module

    class Leaky(RuleGenerator):
        def generate(self, p: Passage) -> list[QAPair]:
            return [QAPair("Should I write to jane.doe@example.com?", "Keep a log of every trip.", p.chunk_id,
                           p.document_id, "fact"), *super().generate(p)]

    monkeypatch.setattr(dataset_module, "RuleGenerator", Leaky)
    card = build_dataset(pipeline.store, pipeline.settings, out_dir=tmp_path / "ds", **kwargs)
    assert card.pii_scan["dropped_pairs"] >= 1
    assert "jane.doe" not in (tmp_path / "ds" / "train.jsonl").read_text(encoding="utf-8")

    # Personal data that slips past the earlier scans stops the build and names the example.
    monkeypatch.setattr(dataset_module, "RuleGenerator", RuleGenerator)
    real_findings = PIIScanner.findings
    calls = {"n": 0}

    def late(self: PIIScanner, text: str) -> dict[str, int]:
        if text.startswith("You answer questions"):  # the system message, scanned only at the end
            calls["n"] += 1
            return {"EMAIL_ADDRESS": 1}
        return real_findings(self, text)

    monkeypatch.setattr(PIIScanner, "findings", late)
    with pytest.raises(KBError, match=r"system message of train\.jsonl line 1"):
        build_dataset(pipeline.store, pipeline.settings, out_dir=tmp_path / "ds2", **kwargs)
    assert calls["n"] == 1 and not (tmp_path / "ds2" / "train.jsonl").exists()


def test_cli_dataset_build_and_show(
    settings: Settings, embedder: SentenceTransformerEmbedder, deidentifier: Deidentifier,
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`kb dataset build` writes datasets/<time>/ and datasets/latest; `show` prints the card."""
    from typer.testing import CliRunner

    import answer.services
    import ingest.pipeline
    from cli.main import app
    from tests.api.conftest import travel_policy_pdf

    # the session's models instead of loading new ones, and no tokenizer conversion
    monkeypatch.setattr(ingest.pipeline, "make_embedder", lambda s: embedder)
    monkeypatch.setattr(ingest.pipeline, "Deidentifier", lambda config: deidentifier)
    monkeypatch.setattr(answer.services, "make_token_counter", lambda s: COUNTER)
    runner = CliRunner()
    base = ["--data-dir", str(settings.data_dir)]
    assert runner.invoke(app, [*base, "ingest", str(travel_policy_pdf(tmp_path))]).exit_code == 0
    result = runner.invoke(app, [*base, "dataset", "build", "--json"])
    assert result.exit_code == 0, result.output
    card = json.loads(result.stdout)
    latest = (settings.datasets_dir / "latest").read_text(encoding="utf-8").strip()
    assert Path(card["path"]) == settings.datasets_dir / latest
    assert (settings.datasets_dir / latest / "train.jsonl").exists()
    assert not list(settings.datasets_dir.glob(".*partial*"))
    shown = runner.invoke(app, [*base, "dataset", "show", "--json"])
    assert shown.exit_code == 0 and json.loads(shown.stdout)["content_hash"] == card["content_hash"]
    assert "Token lengths" in runner.invoke(app, [*base, "dataset", "show"]).stdout
    bad = runner.invoke(app, [*base, "dataset", "build", "--generator", "magic"])
    assert bad.exit_code == 2


# --- questions from the model (the session's real vLLM server) -------------------------------


@pytest.mark.vllm
@pytest.mark.slow
def test_llm_generator_keeps_only_verified_pairs(
    llm_url: str, pipeline: Pipeline, tmp_path: Path, embedder: SentenceTransformerEmbedder  # noqa: F811
) -> None:
    from answer.verify import ClaimVerifier, make_scorer
    from kb_service.llm.generator import OpenAICompatibleGenerator
    from tests.api.conftest import travel_policy_pdf
    from training.qa_llm import LLMGenerator

    pipeline.ingest_paths([travel_policy_pdf(tmp_path)])
    chunks = pipeline.store.chunks()
    verifier = ClaimVerifier(make_scorer(embedder, None), claim_threshold=Settings().claim_threshold)
    client = OpenAICompatibleGenerator(llm_url, timeout=120)
    try:
        llm = LLMGenerator(client, "base", verifier)
        pairs = llm.generate_many(chunks)
    finally:
        client.close()
    assert llm.stats.requests == len(chunks) * 5 and llm.stats.failed_requests == 0
    assert llm.stats.kept == len(pairs)
    text = {c.chunk_id: c.text for c in chunks}
    for pair in pairs:
        assert pair.generator == "llm" and pair.question.endswith(("?", "？"))
        verification = verifier.verify(pair.answer, [text[pair.chunk_id]])
        assert verification.claims and all(c.supported for c in verification.claims)
