"""Schemathesis against the app's own OpenAPI spec, in-process (ASGI), with no key, a reader
key and an admin key: no request, valid or not, may cause a 5xx, and every response must be
one the spec documents (status code, content type, body schema).

Everything is real except the model: the scripted generator of test_answer_service.py, so the
run needs no model server and every answer is the same (fuzzing must be deterministic and
fast; test_api.py runs the real model). Nothing is excluded: uploads of fuzzed files go through
the real pipeline, deletions and promotions of fuzzed names are refused as not found.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import hypothesis
import hypothesis.errors
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from answer.services import build_services
from ingest.deidentify import Deidentifier
from kb_service.embedder import SentenceTransformerEmbedder
from tests.api.conftest import ADMIN_KEY, READER_KEY, TRAVEL_FACTS, api_settings, auth, travel_policy_pdf
from tests.answer.test_answer_service import ScriptedGenerator

pytestmark = pytest.mark.slow

# Per operation, per generation mode (valid and invalid requests), per key: small enough for the
# three runs to take well under 2 minutes on 2 cores, and the same examples every run.
MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))  # FUZZ_EXAMPLES=200 for a deeper local run
FUZZ_SETTINGS = hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    suppress_health_check=list(HealthCheck),
    print_blob=False,
)
# ignored_auth: a 2xx on an operation that declares a key is re-sent without one and with a
# wrong one, and both must be refused.
CHECKS = [
    not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance, ignored_auth
]


@pytest.fixture(scope="module")
def fuzz_app(
    tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder, deidentifier: Deidentifier
) -> Iterator[Any]:
    folder = tmp_path_factory.mktemp("fuzz")
    # A URL nothing listens on: the scripted generator answers; only a promotion would call it.
    settings = api_settings(folder / "data", "http://127.0.0.1:9/v1")
    generator = ScriptedGenerator(f"{TRAVEL_FACTS['meal']} [1]")
    services = build_services(settings, embedder=embedder, deidentifier=deidentifier, generator=generator)
    outcome = services.pipeline.ingest_file(travel_policy_pdf(folder))
    assert outcome.status == "ingested", outcome.error
    yield create_app(settings, services=services)
    from schemathesis.python.asgi import shutdown_lifespans

    shutdown_lifespans()
    services.close()


@pytest.fixture(scope="module")
def api_schema(fuzz_app: Any) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", fuzz_app)


def _fuzz(operation: Any, mode: GenerationMode, headers: dict[str, str]) -> str | None:
    """Run one operation's examples; the first failure, shrunk, as text (None when all pass)."""

    @FUZZ_SETTINGS
    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    try:
        run()
    except hypothesis.errors.Unsatisfiable:
        return None  # no invalid request exists (no parameters, or only free-form path strings)
    except Exception as exc:  # a FailureGroup of check failures, or an error of the transport
        return f"{operation.label} ({mode.value}): {exc}"
    return None


@pytest.mark.parametrize("key", [None, READER_KEY, ADMIN_KEY], ids=["no-key", "reader", "admin"])
def test_no_server_errors_and_responses_match_the_spec(api_schema: Any, key: str | None) -> None:
    """Schemathesis's pytest integration needs pytest < 9.2 (it sets Node._nodeid), so the
    operations are walked here, with its public strategies and checks."""
    headers = auth(key) if key else {}
    failures: list[str] = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            failure = _fuzz(operation, mode, headers)
            if failure:
                failures.append(failure)
    assert not failures, "\n\n".join(failures)


def test_the_spec_documents_keys_and_errors_in_the_openai_shape(fuzz_app: Any) -> None:
    """Every /v1 operation declares the key (bearer or X-API-Key) and documents 401, 403 and
    422 with the OpenAI-shaped error model."""
    from starlette.testclient import TestClient

    spec = TestClient(fuzz_app).get("/openapi.json").json()
    assert "ErrorBody" in spec["components"]["schemas"]
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if not path.startswith("/v1/"):
                continue
            assert operation.get("security") == [{"HTTPBearer": []}, {"APIKeyHeader": []}], (method, path)
            responses = operation["responses"]
            for status in ("401", "403", "422"):
                assert status in responses, (method, path, status)
                schema_ref = responses[status]["content"]["application/json"]["schema"]["$ref"]
                assert schema_ref.endswith("/ErrorBody"), (method, path, status)

