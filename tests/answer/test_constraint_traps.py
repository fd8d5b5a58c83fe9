"""The constraint trap set through the real pipeline and answer service, the model scripted to
copy the near miss (see tests/answer/constraint_traps.py): every trap suppressed with the gate,
every control grounded, and without the gate the traps are grounded (so each trap is one the
claim verifier alone lets through)."""

from __future__ import annotations

import pytest

from tests.answer.constraint_traps import TrapResult, counts, load_traps, run_traps

TRAPS = load_traps()
GATE_REASONS = {"answers_another_question", "constraint_not_stated", "wrong_answer_type"}


@pytest.fixture(scope="module")
def results(tmp_path_factory, embedder, deidentifier) -> dict[str, TrapResult]:  # type: ignore[no-untyped-def]
    ran = run_traps(TRAPS, tmp_path_factory.mktemp("traps"), embedder=embedder, deidentifier=deidentifier)
    print("constraint traps, scripted model copying the near miss:", counts(ran))
    return {r.trap.id: r for r in ran}


def test_the_set_covers_english_chinese_and_controls() -> None:
    traps = [t for t in TRAPS if t.kind == "trap"]
    assert len(traps) >= 20
    assert {t.lang for t in traps} == {"en", "zh"}
    assert sum(t.kind == "control" for t in TRAPS) >= 5


@pytest.mark.parametrize("trap_id", [t.id for t in TRAPS if t.kind == "trap"])
def test_a_copied_near_miss_is_suppressed(results: dict[str, TrapResult], trap_id: str) -> None:
    result = results[trap_id]
    assert result.off.grounded, f"the verifier alone should let the near miss through: {result.off}"
    on = result.on
    assert not on.grounded and on.suppressed_reason in GATE_REASONS, on
    assert on.constraints and on.constraint_issues, on
    assert on.citations and on.citations[0].quote, "a suppressed answer still quotes the closest passage"
    assert on.answer.startswith(("The knowledge base does not support", "知识库中的内容不足以支持"))


@pytest.mark.parametrize("trap_id", [t.id for t in TRAPS if t.kind == "control"])
def test_a_copied_answer_stays_grounded(results: dict[str, TrapResult], trap_id: str) -> None:
    result = results[trap_id]
    assert result.off.grounded, result.off
    assert result.on.grounded and not result.on.trimmed, (result.on, result.on.constraint_issues)
