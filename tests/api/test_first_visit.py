"""A newcomer's first visit, in the real browser (Debian's Chromium through Playwright) against
the API served by uvicorn on the real store, embedder, verifier and de-identifier; the model's
text is scripted as in test_widget_browser.py.

Open access (as `make run` serves): the landing page at / says what is indexed and links to the
chat, which opens with no key prompt and offers example questions; one click on one gives a
cited answer, so two clicks from / in all. The admin page opens without a key too. With keys
configured the chat and the admin page ask for one, say so when it is wrong, and the landing
page shows counts but no document names.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from answer.services import build_services
from api.app import create_app
from ingest.deidentify import Deidentifier
from kb_service.audit import hash_key
from kb_service.embedder import SentenceTransformerEmbedder
from kb_service.prompting import REFUSAL_EN
from kb_service.settings import Settings
from tests.answer.test_answer_service import ScriptedGenerator
from tests.api.conftest import ADMIN_KEY, READER_KEY, TRAVEL_FACTS, LiveServer, api_settings, free_port, travel_policy_pdf
from tests.api.test_widget_browser import (  # noqa: F401  (fixtures: the browser, the intranet site)
    WIDGET, Intranet, Service, browser, intranet, intranet_page, screenshot,
)

DOCS = Path(__file__).resolve().parents[2] / "docs"
SAMPLES = DOCS.parent / "samples"


def _service(folder: Path, embedder: SentenceTransformerEmbedder, deidentifier: Deidentifier,
             intranet: Intranet, **overrides: object) -> Iterator[Service]:
    settings = api_settings(folder / "data", f"http://127.0.0.1:{free_port()}/v1",
                            cors_origins=[intranet.origin], **overrides)
    generator = ScriptedGenerator(f"{TRAVEL_FACTS['meal']} [1]")
    services = build_services(settings, embedder=embedder, deidentifier=deidentifier, generator=generator)
    outcome = services.pipeline.ingest_file(travel_policy_pdf(folder))
    assert outcome.status == "ingested", outcome.error
    with LiveServer(create_app(settings, services=services)) as live:
        yield Service(live, settings, generator)
    services.close()


@pytest.fixture(scope="module")
def open_service(
    tmp_path_factory: pytest.TempPathFactory, intranet: Intranet,
    embedder: SentenceTransformerEmbedder, deidentifier: Deidentifier,
) -> Iterator[Service]:
    """As `make run` serves: KB_OPEN_ACCESS and no keys."""
    yield from _service(tmp_path_factory.mktemp("open"), embedder, deidentifier, intranet,
                        open_access=True, api_keys=[], admin_keys=[])


@pytest.fixture(scope="module")
def keyed_service(
    tmp_path_factory: pytest.TempPathFactory, intranet: Intranet,
    embedder: SentenceTransformerEmbedder, deidentifier: Deidentifier,
) -> Iterator[Service]:
    yield from _service(tmp_path_factory.mktemp("keyed"), embedder, deidentifier, intranet)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1100, "height": 760}, locale="en-US")
    opened = context.new_page()
    opened.set_default_timeout(30_000)
    yield opened
    context.close()


# --- open access -----------------------------------------------------------------------------

def test_open_access_two_clicks_from_the_landing_page_to_a_cited_answer(page: Page, open_service: Service) -> None:
    assert open_service.generator is not None
    open_service.generator.text = f"{TRAVEL_FACTS['meal']} [1]"
    page.goto(f"{open_service.url}/")
    expect(page.locator("#access")).to_have_text("Open access: no key needed. For local use on this machine only.")
    expect(page.locator("#documents")).to_have_text("1")
    expect(page.locator("#pages")).to_have_text("1")
    assert int(page.locator("#chunks").inner_text()) >= 1
    expect(page.locator("#document-list")).to_contain_text("travel-policy.pdf")  # open access: names shown
    expect(page.locator("#health")).to_contain_text("model server (vLLM): ready")
    expect(page.locator("#curl")).to_have_text(
        f"curl -s {open_service.url}/v1/ask -H 'Content-Type: application/json' "
        """-d '{"question":"What does the Travel Policy say about meals?"}'"""
    )
    for name, href in (("Admin", "admin"), ("API docs", "docs")):
        expect(page.get_by_role("link", name=re.compile(name))).to_have_attribute("href", href)
    shot = screenshot(page, "landing.png")
    assert shot.stat().st_size > 10_000

    page.get_by_role("link", name=re.compile("Ask a question")).click()  # click 1
    expect(page).to_have_url(f"{open_service.url}/widget")
    expect(page.locator(f"{WIDGET} .access")).to_have_text("Open access: no key needed. For local use on this machine only.")
    expect(page.get_by_label("Reader key")).to_have_count(0)
    expect(page.locator(f"{WIDGET} .ask textarea")).to_be_focused()
    examples = page.locator(f"{WIDGET} .examples button.example")
    expect(examples).to_have_count(3)
    expect(examples).to_have_text([
        "What does the Travel Policy say about meals?",
        "What does the Travel Policy say about hotels?",
        "What does the Travel Policy say about approval?",
    ])
    examples.first.click()  # click 2
    answer = page.locator(f"{WIDGET} article.bot").first
    expect(answer).to_have_attribute("aria-busy", "false", timeout=60_000)
    expect(answer).to_have_class(re.compile(r"\bgrounded\b"))
    expect(page.locator(f"{WIDGET} .msg.user")).to_contain_text("What does the Travel Policy say about meals?")
    expect(answer.locator(".answer")).to_contain_text("45 euros")
    expect(answer.locator(".card .meta").first).to_contain_text("travel-policy.pdf")
    screenshot(page, "widget-open-access.png")


def test_open_access_widget_on_another_page_and_admin_open_without_a_key(
    page: Page, open_service: Service, intranet: Intranet
) -> None:
    assert open_service.generator is not None
    open_service.generator.text = REFUSAL_EN
    tag = f'<script src="{open_service.url}/widget.js" defer></script>'  # no data-kb-key
    page.goto(intranet.publish("/open.html", intranet_page(tag)))
    page.locator(f"{WIDGET} .launcher").click()
    expect(page.locator(f"{WIDGET} .ask textarea")).to_be_focused()
    expect(page.locator(f"{WIDGET} .keyform")).to_have_count(0)
    expect(page.locator(f"{WIDGET} .examples button.example")).to_have_count(3)

    page.goto(f"{open_service.url}/admin")
    expect(page.locator("#dashboard")).to_be_visible()
    expect(page.locator("#sign-in")).to_be_hidden()
    expect(page.locator("#access-note")).to_contain_text("Open access: no key needed")
    expect(page.locator("#sign-out")).to_be_hidden()  # no key to forget
    expect(page.locator("#documents")).to_contain_text("travel-policy.pdf")
    assert page.evaluate("() => sessionStorage.length") == 0


# --- keys configured -----------------------------------------------------------------------------

def test_with_keys_the_pages_ask_for_one_and_say_when_it_is_wrong(page: Page, keyed_service: Service) -> None:
    page.goto(f"{keyed_service.url}/")
    expect(page.locator("#access")).to_contain_text("Keys are required")
    expect(page.locator("#documents")).to_have_text("1")
    expect(page.locator("#names-note")).to_be_visible()
    expect(page.locator("#document-list")).to_be_hidden()
    expect(page.locator("#curl")).to_contain_text('-H "Authorization: Bearer $KB_KEY"')
    body = page.locator("body").inner_text()
    assert "travel-policy" not in body and "Travel Policy" not in body  # counts, no names

    page.goto(f"{keyed_service.url}/widget")
    key_field = page.get_by_label("Reader key")
    expect(key_field).to_be_focused()
    expect(page.locator(f"{WIDGET} .ask")).to_be_hidden()
    expect(page.locator(f"{WIDGET} .access")).to_be_hidden()
    key_field.fill("not-a-key")
    key_field.press("Enter")
    expect(page.locator(f"{WIDGET} .keyform .error[role='alert']")).to_have_text(
        "This key was refused by the knowledge base.")
    expect(page.locator(f"{WIDGET} .ask")).to_be_hidden()
    key_field.fill(READER_KEY)
    key_field.press("Enter")
    expect(page.locator(f"{WIDGET} .ask textarea")).to_be_focused()
    expect(page.locator(f"{WIDGET} .examples button.example")).to_have_count(3)

    page.goto(f"{keyed_service.url}/admin")
    expect(page.locator("#sign-in")).to_be_visible()
    expect(page.locator("#dashboard")).to_be_hidden()
    expect(page.locator("#access-note")).to_be_hidden()
    page.get_by_label("Admin key").fill("not-a-key")
    page.get_by_label("Admin key").press("Enter")
    expect(page.locator("#sign-in-error")).to_have_text("invalid API key")
    page.get_by_label("Admin key").fill(READER_KEY)
    page.get_by_label("Admin key").press("Enter")
    expect(page.locator("#sign-in-error")).to_contain_text("an admin key is needed")
    page.get_by_label("Admin key").fill(ADMIN_KEY)
    page.get_by_label("Admin key").press("Enter")
    expect(page.locator("#documents")).to_contain_text("travel-policy.pdf")


# --- the capability endpoint and the landing page's files ------------------------------------------

def test_capabilities_tell_the_access_mode_and_nothing_secret(open_service: Service, keyed_service: Service) -> None:
    opened = httpx.get(f"{open_service.url}/capabilities").json()
    keyed = httpx.get(f"{keyed_service.url}/capabilities").json()
    assert (opened["open_access"], opened["auth"]) == (True, "none")
    assert (keyed["open_access"], keyed["auth"]) == (False, "key")
    for caps in (opened, keyed):
        assert set(caps) == {"open_access", "auth", "version", "index"}
        assert caps["index"]["documents"] == 1 and caps["index"]["pages"] == 1 and caps["index"]["chunks"] >= 1
    text = json.dumps(keyed)
    for secret in (READER_KEY, ADMIN_KEY, hash_key(READER_KEY), hash_key(ADMIN_KEY)):
        assert secret not in text
    assert "travel" not in text.lower()  # no document names without a key
    assert httpx.get(f"{keyed_service.url}/v1/examples").status_code == 401
    assert httpx.get(f"{keyed_service.url}/v1/documents").status_code == 401
    assert httpx.get(f"{open_service.url}/v1/examples").status_code == 200


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline = 0
        self._open: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.urls += [value for name, value in values.items() if name in ("src", "href") and value]
        self.inline += "style" in values or any(name.startswith("on") for name in values)
        self._open = tag

    def handle_endtag(self, tag: str) -> None:
        self._open = None

    def handle_data(self, data: str) -> None:
        self.inline += self._open in ("script", "style") and bool(data.strip())


def test_landing_page_is_same_origin_only(keyed_service: Service) -> None:
    page = httpx.get(f"{keyed_service.url}/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "connect-src 'self'" in csp
    parser = _References()
    parser.feed(page.text)
    assert parser.inline == 0
    for url in parser.urls:
        assert not re.match(r"^([a-z][a-z0-9+.-]*:|//)", url, re.I), url
        resolved = urlsplit(urljoin(f"{keyed_service.url}/", url))
        if resolved.path.startswith("/landing/"):
            asset = httpx.get(f"{keyed_service.url}{resolved.path}")
            assert asset.status_code == 200, url
            assert "http://" not in asset.text and "https://" not in asset.text and "url(" not in asset.text
            assert ".innerHTML" not in asset.text
    assert httpx.get(f"{keyed_service.url}/landing/landing.py").status_code == 404
    assert {"/widget", "/admin", "/docs"} <= {urlsplit(urljoin(f"{keyed_service.url}/", u)).path for u in parser.urls}


def test_docs_screenshots_are_small_pngs() -> None:
    for name in ("landing.png", "widget-first-answer.png", "widget.png", "widget-first-answer-real-model.png"):
        path = DOCS / name
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
        assert path.stat().st_size < 400_000, name


# --- the real model ----------------------------------------------------------------------------

@pytest.mark.vllm
@pytest.mark.slow
def test_open_access_first_answer_on_the_real_model(
    browser: Browser, intranet: Intranet, llm_url: str, tmp_path: Path,
    embedder: SentenceTransformerEmbedder, deidentifier: Deidentifier,
) -> None:
    """`make run`'s path on SmolLM2: two of its sample documents, / -> Ask a question -> the
    first example question, which the service has asked itself (KB_EXAMPLE_CHECK) with
    `make run`'s answer length: two clicks give a grounded, cited answer. (The travel policy of
    the other tests gives only "What does the Travel Policy say about ...?", which SmolLM2
    answers by none: benchmarks/examples.py.)"""
    settings = api_settings(
        tmp_path / "data", llm_url, open_access=True, api_keys=[], admin_keys=[], example_check=True,
        llm_max_tokens=Settings().llm_max_tokens,
    )
    services = build_services(settings, embedder=embedder, deidentifier=deidentifier)
    try:
        for name in ("onboarding-checklist.docx", "it-security-policy.pdf"):
            assert services.pipeline.ingest_file(SAMPLES / name).status == "ingested", name
        app = create_app(settings, services=services)
        with LiveServer(app) as live:
            assert app.state.examples.wait(timeout=600)  # the check the lifespan started
            verdicts = app.state.examples.verdicts()
            assert any(verdicts.values()), f"SmolLM2 answered none of the example questions: {verdicts}"
            context = browser.new_context(viewport={"width": 1100, "height": 760}, locale="en-US")
            page = context.new_page()
            page.set_default_timeout(30_000)
            try:
                page.goto(f"{live.url}/")
                expect(page.locator("#health")).to_contain_text("model server (vLLM): ready")
                page.get_by_role("link", name=re.compile("Ask a question")).click()
                expect(page.get_by_label("Reader key")).to_have_count(0)
                first = app.state.examples.get(1, "en")[0]
                assert verdicts[first.question], (first, verdicts)  # offered first: answered
                example = page.locator(f"{WIDGET} .examples button.example").first
                expect(example).to_have_text(first.question)
                example.click()
                answer = page.locator(f"{WIDGET} article.bot").first
                expect(answer).to_have_attribute("aria-busy", "false", timeout=240_000)
                expect(answer).to_have_class(re.compile(r"\bgrounded\b"))  # the check's verdict holds
                expect(answer.locator("h3")).to_have_text("Sources")
                expect(answer.locator(".card .meta").first).to_contain_text(first.document)
                screenshot(page, "widget-open-access-real-model.png")
            finally:
                context.close()
    finally:
        services.close()
