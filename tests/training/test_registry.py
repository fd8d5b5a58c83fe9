"""The adapter registry: promotion with a loss comparison, rollback, atomic locked writes,
staleness against the ledger, the CLI, and the API on the real vLLM server.

The loss comparison's scorer is a seam (`evaluate=`): the unit tests pass one whose losses
they choose, so refusal and tolerance are tested exactly; the real `evaluate_loss` of
training.lora is the default behind it.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from answer.services import build_services
from ingest.deidentify import Deidentifier
from ingest.pipeline import Pipeline
from kb_service.embedder import SentenceTransformerEmbedder
from kb_service.settings import Settings
from tests.api.conftest import (
    ADMIN_KEY,
    READER_KEY,
    api_settings,
    auth,
    free_port,
    travel_policy_pdf,
)
from kb_service.adapters import REGISTRY_FILE
from training.registry import (
    AdapterNotFoundError,
    AdapterRegistry,
    NothingToRollBackError,
    PromotionRefusedError,
)


# --- helpers ----------------------------------------------------------------------------------

def fake_adapter(settings: Settings, name: str, *, dataset: bool = True, sources: Mapping[str, str] | None = None,
                 metrics: Mapping[str, float] | None = None) -> Path:
    """An adapter folder as the registry sees it (no weights: the registry never loads them)."""
    folder = settings.adapters_dir / name
    folder.mkdir(parents=True)
    (folder / "adapter_config.json").write_text(json.dumps({"peft_type": "LORA", "r": 4}), encoding="utf-8")
    dataset_dir = settings.datasets_dir / f"ds-{name}"
    if dataset:
        dataset_dir.mkdir(parents=True)
        (dataset_dir / "test.jsonl").write_text("{}\n", encoding="utf-8")
    card = {
        "name": name,
        "base_model": "SmolLM2-135M-Instruct",
        "base_model_served_name": settings.llm_served_name,
        "dataset_dir": str(dataset_dir) if dataset else None,
        "dataset_hash": "0" * 64,
        "source_documents": dict(sources or {}),
        "hyperparameters": {"r": 4},
        "metrics": dict(metrics or {"train_loss": 1.5, "val_loss": 1.6, "test_loss": 1.7, "test_perplexity": 5.5}),
        "created_at": "2025-01-01T00:00:00+00:00",
        "parent": None,
    }
    (folder / "adapter_card.json").write_text(json.dumps(card), encoding="utf-8")
    return folder


class Scorer:
    """Losses chosen by the test, by adapter name (None = the base model); records its calls."""

    def __init__(self, losses: dict[str | None, float]) -> None:
        self.losses = losses
        self.calls: list[tuple[str | None, str]] = []

    def __call__(self, adapter_dir: Path | None, dataset_dir: Path, split: str = "test") -> dict[str, Any]:
        name = adapter_dir.name if adapter_dir else None
        self.calls.append((name, split))
        loss = self.losses[name]
        return {"loss": loss, "perplexity": 2.718 ** loss, "tokens": 100}


def never(*_: object, **__: object) -> dict[str, Any]:
    raise AssertionError("a forced promotion must not evaluate")


def registry_json(settings: Settings) -> dict[str, Any]:
    return json.loads((settings.adapters_dir / REGISTRY_FILE).read_text(encoding="utf-8"))


# --- promotion, refusal, rollback ---------------------------------------------------------------

def test_promote_compare_and_rollback_history(settings: Settings) -> None:
    for name in ("a", "b", "c"):
        fake_adapter(settings, name)
    registry = AdapterRegistry(settings)
    scorer = Scorer({None: 2.0, "a": 1.5, "b": 1.2, "c": 1.0})
    assert registry.active() is None and registry.default_model() == "base"

    first = registry.promote("a", evaluate=scorer)
    assert first.promoted and first.previous is None and not first.forced
    assert first.comparison is not None and first.comparison.baseline == "base"
    assert (first.comparison.candidate_loss, first.comparison.baseline_loss) == (1.5, 2.0)
    assert scorer.calls == [("a", "test"), (None, "test")]

    reader = AdapterRegistry(settings)  # another process's view: picks up changes by mtime
    assert reader.default_model() == "a"
    second = registry.promote("b", evaluate=scorer)
    assert second.comparison is not None and second.comparison.baseline == "a" and second.previous == "a"
    assert reader.default_model() == "b"
    assert registry.promote("c", force=True, evaluate=never).forced

    state = registry_json(settings)
    assert state["active"] == "c"
    assert [(h["event"], h["name"], h["previous"], h["forced"]) for h in state["history"]] == [
        ("promote", "a", None, False), ("promote", "b", "a", False), ("promote", "c", "b", True)]
    assert state["history"][1]["scores"] == {
        "split": "test", "dataset_dir": str(settings.datasets_dir / "ds-b"), "candidate": "b", "candidate_loss": 1.2,
        "baseline": "a", "baseline_loss": 1.5, "tolerance": 0.01, "accepted": True}
    assert state["history"][2]["scores"] is None

    assert registry.rollback() == "b"
    assert registry.rollback() == "a"
    assert registry.rollback() is None
    assert reader.default_model() == "base"
    with pytest.raises(NothingToRollBackError):
        registry.rollback()
    events = [(h["event"], h["name"], h["previous"]) for h in registry.history()[3:]]
    assert events == [("rollback", "b", "c"), ("rollback", "a", "b"), ("rollback", None, "a")]

    with pytest.raises(AdapterNotFoundError):
        registry.promote("nope", force=True)
    with pytest.raises(AdapterNotFoundError):
        registry.promote("../adapters", force=True)  # only folder names in adapters_dir


def test_worse_promotion_is_refused_unless_forced(settings: Settings) -> None:
    for name in ("good", "worse", "close", "nodata"):
        fake_adapter(settings, name, dataset=name != "nodata")
    registry = AdapterRegistry(settings)
    scorer = Scorer({None: 2.0, "good": 1.0, "worse": 1.2, "close": 1.009})
    registry.promote("good", evaluate=scorer)

    with pytest.raises(PromotionRefusedError, match="scores worse than good") as refused:
        registry.promote("worse", evaluate=scorer)
    comparison = refused.value.result.comparison
    assert comparison is not None and not comparison.accepted and comparison.candidate_loss == 1.2
    assert registry.active() == "good"
    last = registry.history()[-1]
    assert last["event"] == "refused" and last["name"] == "worse" and last["scores"]["baseline_loss"] == 1.0

    # within the 1 % tolerance: accepted (a tiny test split is noisy)
    assert registry.promote("close", evaluate=scorer).promoted
    registry.rollback()

    # no dataset to compare on: refused unless forced
    with pytest.raises(PromotionRefusedError, match="cannot compare"):
        registry.promote("nodata", evaluate=scorer)
    assert registry.active() == "good"

    # forced: promoted without evaluating, recorded as forced
    forced = registry.promote("worse", force=True, evaluate=never)
    assert forced.promoted and forced.forced and forced.comparison is None
    assert registry.active() == "worse"

    # the activation hook (loading into vLLM) failing leaves the registry as it was
    def broken(name: str, path: Path) -> None:
        raise RuntimeError("model server down")

    before = registry_json(settings)
    with pytest.raises(RuntimeError):
        registry.promote("good", evaluate=scorer, activate=broken)
    assert registry_json(settings) == before


def test_kb_llm_adapter_overrides_the_registry(settings: Settings) -> None:
    fake_adapter(settings, "a")
    fake_adapter(settings, "pinned")
    AdapterRegistry(settings).promote("a", force=True)
    pinned = AdapterRegistry(settings.model_copy(update={"llm_adapter": "pinned"}))
    assert pinned.default_model() == "pinned" and pinned.active() == "pinned" and pinned.promoted() == "a"
    assert [i.name for i in pinned.list() if i.active] == ["pinned"]
    # comparing against what answers now: the override
    fake_adapter(settings, "b")
    with pytest.raises(PromotionRefusedError, match="worse than pinned"):
        pinned.promote("b", evaluate=Scorer({"pinned": 1.0, "b": 2.0}))
    promoted = pinned.promote("b", force=True)
    assert promoted.overridden_by == "pinned" and pinned.default_model() == "pinned"


# --- atomic, locked writes ---------------------------------------------------------------------

def _flip(data_dir: str, worker: int, rounds: int) -> None:
    """Alternates between its own two adapters, so every call is a real promotion."""
    registry = AdapterRegistry(Settings(data_dir=Path(data_dir)))
    for round_ in range(rounds):
        registry.promote(f"{'xy'[round_ % 2]}{worker}", force=True)


def test_writes_are_atomic_and_serialised_across_processes(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    for worker in range(4):
        fake_adapter(settings, f"x{worker}", dataset=False)
        fake_adapter(settings, f"y{worker}", dataset=False)
    AdapterRegistry(settings).promote("y0", force=True)
    path = settings.adapters_dir / REGISTRY_FILE

    torn: list[str] = []
    stop = threading.Event()

    def read_forever() -> None:  # a reader never sees a half-written file
        while not stop.is_set():
            try:
                json.loads(path.read_text(encoding="utf-8"))
            except ValueError as exc:
                torn.append(str(exc))

    reader = threading.Thread(target=read_forever)
    reader.start()
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_flip, args=(str(settings.data_dir), n, 15)) for n in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    stop.set()
    reader.join()
    assert all(worker.exitcode == 0 for worker in workers)
    assert torn == []
    history = registry_json(settings)["history"]
    assert len(history) == 1 + 4 * 15  # no lost update
    assert all(event["previous"] != event["name"] for event in history)
    assert len(registry_json(settings)["rollback_stack"]) == len(history)

    # a crash while writing leaves the previous file and no temporary file behind
    before = path.read_bytes()

    def crash(*_: object, **__: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("training.registry.json.dump", crash)
    registry = AdapterRegistry(settings)
    active = registry.promoted()
    with pytest.raises(OSError, match="disk full"):
        registry.promote("y0" if active != "y0" else "x0", force=True)
    assert path.read_bytes() == before and registry.promoted() == active
    leftovers = [p.name for p in settings.adapters_dir.iterdir() if p.is_file()]
    assert sorted(leftovers) == [".registry.lock", "registry.json"]


# --- staleness ------------------------------------------------------------------------------

def test_adapter_goes_stale_when_its_documents_change_or_go(pipeline: Pipeline, settings: Settings) -> None:
    parking = b"# Parking\n\nVisitors park in garage B on level 2. Staff park in garage A.\n"
    canteen = b"# Canteen\n\nThe canteen opens at 11:30 and closes at 14:00 on weekdays.\n"
    first = pipeline.ingest_bytes(parking, "parking.md")
    second = pipeline.ingest_bytes(canteen, "canteen.md")
    assert first.status == second.status == "ingested"
    sources = {first.document_id: first.version, second.document_id: second.version}
    fake_adapter(settings, "trained", sources=sources)
    fake_adapter(settings, "untracked")  # no source documents: never stale
    registry = AdapterRegistry(settings)

    fresh = {i.name: i for i in registry.list(ledger=pipeline.ledger)}
    assert not fresh["trained"].stale and fresh["trained"].stale_reasons == []
    assert fresh["trained"].metrics["test_loss"] == 1.7

    assert pipeline.ingest_bytes(parking, "parking.md").status == "unchanged"  # same bytes: still fresh
    assert not registry.list(ledger=pipeline.ledger)[0].stale

    changed = pipeline.ingest_bytes(parking.replace(b"level 2", b"level 3"), "parking.md")
    assert changed.status == "ingested" and changed.version != first.version
    (trained,) = [i for i in registry.list(ledger=pipeline.ledger) if i.name == "trained"]
    assert trained.stale and trained.stale_reasons == ["parking.md: changed"]

    pipeline.delete("canteen.md")
    infos = {i.name: i for i in registry.list()}  # opens the ledger itself
    assert sorted(infos["trained"].stale_reasons) == ["canteen.md: deleted", "parking.md: changed"]
    assert not infos["untracked"].stale


# --- the real comparison: training.lora.evaluate_loss ----------------------------------------

CHAT_TEMPLATE = (
    "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}{{ eos_token }}\n{% endfor %}"
    "{% if add_generation_prompt %}assistant: {% endif %}"
)


def tiny_base_model(folder: Path) -> Path:
    """A two-layer Llama with the MiniLM tokenizer (and a chat template): small enough that
    scoring a test split takes a moment, real enough for peft and evaluate_loss."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    from kb_service.models import packaged_model_path

    tokenizer = AutoTokenizer.from_pretrained(str(packaged_model_path("all-MiniLM-L6-v2")))
    tokenizer.chat_template = CHAT_TEMPLATE
    tokenizer.eos_token = "[SEP]"
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=4, max_position_embeddings=512,
                         tie_word_embeddings=True, eos_token_id=tokenizer.eos_token_id)
    LlamaForCausalLM(config).save_pretrained(str(folder))
    tokenizer.save_pretrained(str(folder))
    return folder


def lora_adapter(base: Path, settings: Settings, name: str, dataset_dir: Path, *, steps: int = 0) -> Path:
    """A real PEFT adapter (r=4 on q_proj, v_proj), fitted for `steps` steps to the dataset's
    test chats (0 = as initialised: lora_B is zero, so it scores exactly like the base)."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.manual_seed(0)
    model = get_peft_model(AutoModelForCausalLM.from_pretrained(str(base)),
                           LoraConfig(r=4, target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM"))
    if steps:
        tokenizer = AutoTokenizer.from_pretrained(str(base))
        chats = [json.loads(line)["messages"] for line in (dataset_dir / "test.jsonl").read_text().splitlines()]
        ids = torch.tensor([[t for c in chats for t in tokenizer.apply_chat_template(c, tokenize=True, return_dict=True)["input_ids"]]])
        optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=5e-2)
        for _ in range(steps):
            model(input_ids=ids, labels=ids).loss.backward()
            optimizer.step()
            optimizer.zero_grad()
    folder = settings.adapters_dir / name
    model.save_pretrained(str(folder))
    card = {"name": name, "base_model": str(base), "base_model_served_name": "base", "dataset_dir": str(dataset_dir),
            "dataset_hash": "0" * 64, "source_documents": {}, "metrics": {}, "created_at": None, "parent": None}
    (folder / "adapter_card.json").write_text(json.dumps(card), encoding="utf-8")
    return folder


@pytest.mark.slow
def test_real_evaluate_loss_decides_promotions(tmp_path: Path) -> None:
    pytest.importorskip("training.lora")
    base = tiny_base_model(tmp_path / "tiny-base")
    settings = Settings(data_dir=tmp_path / "data", llm_model=str(base), llm_device="cpu")
    dataset = settings.datasets_dir / "ds"
    dataset.mkdir(parents=True)
    chats = [
        [{"role": "user", "content": f"How many days of leave does team {n} get?"},
         {"role": "assistant", "content": f"Team {n} gets {20 + n} days of leave."}]
        for n in range(6)
    ]
    (dataset / "test.jsonl").write_text("".join(json.dumps({"messages": c}) + "\n" for c in chats), encoding="utf-8")
    lora_adapter(base, settings, "fitted", dataset, steps=20)
    lora_adapter(base, settings, "untrained", dataset)
    registry = AdapterRegistry(settings)  # default evaluate: training.lora.evaluate_loss

    fitted = registry.promote("fitted")
    assert fitted.promoted and fitted.comparison is not None and fitted.comparison.baseline == "base"
    assert fitted.comparison.candidate_loss < fitted.comparison.baseline_loss * 0.99

    with pytest.raises(PromotionRefusedError, match="scores worse than fitted") as refused:
        registry.promote("untrained")
    comparison = refused.value.result.comparison
    assert comparison is not None and comparison.baseline_loss == fitted.comparison.candidate_loss
    assert comparison.candidate_loss == pytest.approx(fitted.comparison.baseline_loss, rel=1e-3)  # = the base
    assert [h["event"] for h in registry.history()] == ["promote", "refused"]
    assert registry.default_model() == "fitted"


# --- the CLI ----------------------------------------------------------------------------------

def kb(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KB_DATA_DIR": str(data_dir), "KB_LLM_PORT": str(free_port()), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "cli.main", *args],
                          env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_kb_adapters_cli(settings: Settings) -> None:
    fake_adapter(settings, "one")
    fake_adapter(settings, "nodata", dataset=False)
    data = settings.data_dir

    listed = kb(data, "adapters", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    body = json.loads(listed.stdout)
    assert body["active"] is None and body["default_model"] == "base"
    assert [(a["name"], a["active"], a["stale"]) for a in body["adapters"]] == [("nodata", False, False), ("one", False, False)]

    refused = kb(data, "adapters", "promote", "nodata")
    assert refused.returncode == 1 and "cannot compare" in refused.stderr
    missing = kb(data, "adapters", "promote", "ghost", "--force")
    assert missing.returncode == 1 and "no adapter 'ghost'" in missing.stderr

    promoted = kb(data, "adapters", "promote", "one", "--force", "--json")
    assert promoted.returncode == 0, promoted.stderr
    assert json.loads(promoted.stdout)["default_model"] == "one"
    table = kb(data, "adapters", "list")
    assert table.returncode == 0 and "one" in table.stdout and "✓" in table.stdout and "default model: one" in table.stdout

    rolled = kb(data, "adapters", "rollback", "--json")
    assert rolled.returncode == 0, rolled.stderr
    assert json.loads(rolled.stdout) == {"active": None, "previous": "one", "default_model": "base"}
    assert kb(data, "adapters", "rollback").returncode == 1
    audit = [json.loads(line) for line in (data / "audit" / "audit.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(e["action"], e["target"], e["status"], e.get("detail", {}).get("forced")) for e in audit] == [
        ("adapter.promote", "nodata", 1, False), ("adapter.promote", "ghost", 1, True),
        ("adapter.promote", "one", 0, True), ("adapter.rollback", "one", 0, None), ("adapter.rollback", None, 1, None),
    ]
    assert {(e["role"], e["method"]) for e in audit} == {("cli", "CLI")}


# --- the API ------------------------------------------------------------------------------------

def assert_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"} and error["code"] == code and error["message"]


def test_api_refusals_without_a_model_server(
    tmp_path: Path, embedder: SentenceTransformerEmbedder, deidentifier: Deidentifier
) -> None:
    settings = api_settings(tmp_path / "data", f"http://127.0.0.1:{free_port()}/v1")  # nothing listens
    fake_adapter(settings, "nodata", dataset=False)
    services = build_services(settings, embedder=embedder, deidentifier=deidentifier)
    try:
        with TestClient(create_app(settings, services=services)) as client:
            listed = client.get("/v1/adapters", headers=auth(READER_KEY))
            assert listed.status_code == 200 and listed.json()["default_model"] == "base"
            assert [a["name"] for a in listed.json()["data"]] == ["nodata"]
            assert_error(client.post("/v1/adapters/nodata/promote", headers=auth(READER_KEY)), 403,
                         "insufficient_permissions")
            assert_error(client.post("/v1/adapters/ghost/promote", headers=auth(ADMIN_KEY)), 404, "adapter_not_found")
            assert_error(client.post("/v1/adapters/nodata/promote", headers=auth(ADMIN_KEY)), 409, "promotion_refused")
            # forced, but the model server cannot load it: 503 and the registry unchanged
            down = client.post("/v1/adapters/nodata/promote?force=true", headers=auth(ADMIN_KEY))
            assert_error(down, 503, "model_server_unavailable")
            assert_error(client.post("/v1/adapters/rollback", headers=auth(ADMIN_KEY)), 409, "nothing_to_roll_back")
            assert AdapterRegistry(settings).active() is None
    finally:
        services.close()


@pytest.fixture
def tiny_adapter(llm_url: str) -> Iterator[tuple[str, Any]]:  # noqa: F811
    """A real LoRA adapter (r=4 on q_proj, v_proj) of the base model the server runs, with
    lora_B perturbed so it changes the outputs."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    from kb_service.llm.convert import ensure_converted

    models = httpx.get(f"{llm_url}/models", timeout=10).json()["data"]
    root = Path(next(m["root"] for m in models if m["id"] == "base"))
    base_dir = ensure_converted(root.parent)  # the server's converted folder: no second conversion
    base = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32)
    model = get_peft_model(base, LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM"))
    probe = torch.tensor([[1, 2, 3, 4, 5]])
    with torch.no_grad():
        before = model(probe).logits.clone()
        generator = torch.Generator().manual_seed(0)
        for parameter_name, parameter in model.named_parameters():
            if "lora_B" in parameter_name:
                parameter.copy_(torch.randn(parameter.shape, generator=generator) * 0.05)
        after = model(probe).logits
    assert not torch.allclose(before, after, atol=1e-3), "the adapter must change the outputs"
    name = f"tiny-{uuid.uuid4().hex[:8]}"  # the vLLM server is shared: a fresh name per test
    yield name, model  # the test saves it into its own adapters_dir


@pytest.mark.vllm
@pytest.mark.slow
def test_promote_and_roll_back_through_the_api_on_vllm(
    tmp_path: Path, llm_url: str, tiny_adapter: tuple[str, Any],  # noqa: F811
    embedder: SentenceTransformerEmbedder, deidentifier: Deidentifier,
) -> None:
    name, model = tiny_adapter
    settings = api_settings(tmp_path / "data", llm_url, llm_max_tokens=24, retrieval_k=1)  # LoRA prefill is slow on CPU
    folder = settings.adapters_dir / name
    model.save_pretrained(str(folder))
    card = {"name": name, "base_model": "SmolLM2-135M-Instruct", "base_model_served_name": "base",
            "dataset_dir": None, "dataset_hash": None, "source_documents": {}, "hyperparameters": {"r": 4},
            "metrics": {"val_loss": 1.9, "test_loss": 2.0}, "created_at": "2025-01-01T00:00:00+00:00", "parent": None}
    (folder / "adapter_card.json").write_text(json.dumps(card), encoding="utf-8")
    assert (folder / "adapter_model.safetensors").exists()

    services = build_services(settings, embedder=embedder, deidentifier=deidentifier)
    question = {"question": "What is the daily meal allowance on business travel?"}
    try:
        with TestClient(create_app(settings, services=services)) as client:
            with travel_policy_pdf(tmp_path).open("rb") as handle:
                uploaded = client.post("/v1/documents", headers=auth(ADMIN_KEY),
                                       files={"file": ("travel-policy.pdf", handle, "application/pdf")})
            assert uploaded.status_code == 201, uploaded.text

            assert_error(client.post(f"/v1/adapters/{name}/promote?force=true", headers=auth(READER_KEY)), 403,
                         "insufficient_permissions")
            promoted = client.post(f"/v1/adapters/{name}/promote?force=true", headers=auth(ADMIN_KEY))
            assert promoted.status_code == 200, promoted.text
            assert promoted.json()["promoted"] and promoted.json()["default_model"] == name

            served = [m["id"] for m in client.get("/v1/models", headers=auth(READER_KEY)).json()["data"]]
            assert name in served and "base" in served
            listed = client.get("/v1/adapters", headers=auth(READER_KEY)).json()
            assert listed["active"] == name and [a["active"] for a in listed["data"]] == [True]
            assert listed["data"][0]["metrics"]["test_loss"] == 2.0

            answer = client.post("/v1/ask", headers=auth(READER_KEY), json=question)
            assert answer.status_code == 200, answer.text
            assert answer.json()["adapter"] == name and answer.json()["model"] == name

            rolled = client.post("/v1/adapters/rollback", headers=auth(ADMIN_KEY))
            assert rolled.status_code == 200, rolled.text
            assert rolled.json() == {"active": None, "previous": name, "default_model": "base"}
            answer = client.post("/v1/ask", headers=auth(READER_KEY), json=question).json()
            assert answer["adapter"] is None and answer["model"] == "base"

            # promoting again: vLLM answers 'already loaded', which is fine
            again = client.post(f"/v1/adapters/{name}/promote?force=true", headers=auth(ADMIN_KEY))
            assert again.status_code == 200, again.text
            assert [h["event"] for h in AdapterRegistry(settings).history()] == ["promote", "rollback", "promote"]
    finally:
        services.close()


def test_only_train_split_documents_count_as_trained_on() -> None:
    """A change to a validation or test document changes scores, not what the adapter learnt."""
    from training.adapter_card import trained_and_evaluated

    card = {"source_documents": {"a": "1", "b": "2", "c": "3", "d": "4"},
            "splits": {"train": ["a", "d"], "validation": ["b"], "test": ["c"]}}
    assert trained_and_evaluated(card) == {"source_documents": {"a": "1", "d": "4"},
                                           "evaluated_documents": {"b": "2", "c": "3"}}
    assert trained_and_evaluated({"source_documents": {"a": "1"}}) == {"source_documents": {"a": "1"},
                                                                      "evaluated_documents": {}}
