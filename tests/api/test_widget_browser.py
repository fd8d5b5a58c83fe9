"""The chat widget in a real browser: Debian's Chromium driven by Playwright, against the API
served by uvicorn on the real store, embedder, verifier and de-identifier.

An intranet page on another origin embeds the widget with its one tag. One test asks the real
vLLM server (SmolLM2); the others script the model's text, as test_answer_service.py does,
because what the widget must show for a grounded or a suppressed answer cannot be caused on
demand with a 135M model. Never a downloaded browser: without /usr/bin/chromium (`make
browser` installs it) these tests fail, they do not skip.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from api.app import create_app
from answer.services import build_services
from ingest.deidentify import Deidentifier
from kb_service.embedder import SentenceTransformerEmbedder
from kb_service.prompting import REFUSAL_EN
from kb_service.settings import Settings
from tests.api.conftest import READER_KEY, TRAVEL_FACTS, LiveServer, api_settings, free_port, travel_policy_pdf
from tests.answer.test_answer_service import ScriptedGenerator

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
MEAL_QUESTION = "What is the daily meal allowance on business travel?"
WIDGET = "[data-kb-widget]"


# --- the browser, the intranet page, the service ---------------------------------------------

@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium)", pytrace=False)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class Intranet:
    """A static web server on its own loopback port: the page that embeds the widget, on
    another origin than the API, as in a real deployment."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                body = pages.get(self.path.split("?")[0])
                if body is None:
                    self.send_error(404)
                    return
                data = body.encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def publish(self, path: str, html: str) -> str:
        self.pages[path] = html
        return self.origin + path

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def intranet_page(script_tag: str, heading: str = "Acme intranet") -> str:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{heading}</title>
<style>body {{ font-family: Georgia, serif; margin: 40px; color: #333; background: #fafaf7; }}
h1 {{ color: #8a2b2b; }} p, li {{ max-width: 520px; }}</style></head>
<body>
<h1>{heading}</h1>
<p>Welcome back. This week: new travel rules, the canteen menu and the IT maintenance window.</p>
<ul><li><a href="#travel">Travel policy</a></li><li><a href="#canteen">Canteen</a></li><li><a href="#it">IT notices</a></li></ul>
{script_tag}
</body></html>"""


def widget_tag(api_url: str, *, key: str = READER_KEY, lang: str = "en") -> str:
    """The one tag a page needs."""
    return f'<script src="{api_url}/widget.js" data-kb-key="{key}" data-kb-lang="{lang}" defer></script>'


@pytest.fixture(scope="module")
def intranet() -> Iterator[Intranet]:
    site = Intranet()
    yield site
    site.close()


class Service:
    def __init__(self, live: LiveServer, settings: Settings, generator: ScriptedGenerator | None) -> None:
        self.live, self.settings, self.generator = live, settings, generator

    @property
    def url(self) -> str:
        return self.live.url

    def feedback(self) -> list[dict[str, object]]:
        path = self.settings.feedback_path
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []

    def metrics(self) -> str:
        import httpx

        return httpx.get(f"{self.url}/metrics").text


@pytest.fixture(scope="module")
def scripted(
    tmp_path_factory: pytest.TempPathFactory, intranet: Intranet,
    embedder: SentenceTransformerEmbedder, deidentifier: Deidentifier,
) -> Iterator[Service]:
    """The API with a scripted model, the travel policy ingested, CORS open to the intranet."""
    folder = tmp_path_factory.mktemp("widget-scripted")
    settings = api_settings(
        folder / "data", f"http://127.0.0.1:{free_port()}/v1", cors_origins=[intranet.origin]
    )
    generator = ScriptedGenerator(REFUSAL_EN)
    services = build_services(settings, embedder=embedder, deidentifier=deidentifier, generator=generator)
    outcome = services.pipeline.ingest_file(travel_policy_pdf(folder))
    assert outcome.status == "ingested", outcome.error
    with LiveServer(create_app(settings, services=services)) as live:
        yield Service(live, settings, generator)
    services.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1100, "height": 760}, locale="en-US")
    opened = context.new_page()
    opened.set_default_timeout(30_000)
    yield opened
    context.close()


# --- helpers -----------------------------------------------------------------------------------

def open_widget(page: Page, url: str) -> None:
    page.goto(url)
    page.locator(f"{WIDGET} .launcher").click()
    expect(page.locator(f"{WIDGET} textarea")).to_be_focused()


def ask(page: Page, question: str, *, timeout_s: float = 60) -> Locator:
    """Type the question, press Enter, wait for the verdict; returns the answer's element."""
    answers = page.locator(f"{WIDGET} article.bot")
    before = answers.count()
    box = page.locator(f"{WIDGET} .ask textarea")
    box.fill(question)
    box.press("Enter")
    answer = answers.nth(before)
    expect(answer).to_have_attribute("aria-busy", "false", timeout=timeout_s * 1000)
    return answer


def focused(page: Page) -> dict[str, str | None]:
    """The element that has the keyboard focus, looking into shadow roots."""
    return page.evaluate(
        """() => {
            let node = document.activeElement;
            while (node && node.shadowRoot && node.shadowRoot.activeElement) node = node.shadowRoot.activeElement;
            return node && {tag: node.tagName, label: node.getAttribute('aria-label'), cls: node.className,
                            text: (node.textContent || '').trim().slice(0, 80)};
        }"""
    )


def tab_to(page: Page, predicate, *, backwards: bool = False, limit: int = 25) -> dict[str, str | None]:  # type: ignore[no-untyped-def]
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        now = focused(page)
        if now and predicate(now):
            return now
    raise AssertionError(f"not reachable by {'Shift+' if backwards else ''}Tab within {limit} presses")


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    return path


# --- the widget on a scripted model: each state it must render -----------------------------

def test_grounded_answer_streams_with_source_cards(page: Page, scripted: Service, intranet: Intranet) -> None:
    assert scripted.generator is not None
    scripted.generator.text = f"{TRAVEL_FACTS['meal']} [1]"
    open_widget(page, intranet.publish("/grounded.html", intranet_page(widget_tag(scripted.url))))
    answer = ask(page, MEAL_QUESTION)

    expect(answer).to_have_class(re.compile(r"\bgrounded\b"))
    expect(answer.locator(".badge")).to_contain_text("Verified against the documents")
    text = answer.locator(".answer")
    expect(text).to_contain_text("daily meal allowance of 45 euros")
    expect(text).not_to_contain_text("Sources:")  # the readable list is replaced by the cards
    expect(answer.locator("h3")).to_have_text("Sources")
    card = answer.locator(".card").first
    expect(card.locator(".doc")).to_contain_text("Travel Policy")
    expect(card.locator(".meta")).to_have_text(re.compile(r"^travel-policy\.pdf · (1\. )?Meals · p\. 1$"))
    expect(card.locator(".quote")).to_contain_text("45 euros")
    head = card.locator(".card-head")
    expect(head).to_have_attribute("aria-expanded", "false")
    head.click()
    expect(head).to_have_attribute("aria-expanded", "true")
    expect(card).to_have_class(re.compile(r"\bopen\b"))
    head.click()
    expect(head).to_have_attribute("aria-expanded", "false")
    # The [1] in the text opens and focuses its card.
    text.locator("button.ref").first.click()
    expect(head).to_have_attribute("aria-expanded", "true")
    expect(head).to_be_focused()
    expect(answer.locator(".feedback button[aria-label='Helpful']")).to_be_visible()

    shot = screenshot(page, "widget.png")
    assert shot.stat().st_size > 10_000


def test_follow_up_sends_the_history_and_shows_the_question_answered(
    page: Page, scripted: Service, intranet: Intranet
) -> None:
    """The widget sends the earlier turns; the service makes the follow-up standalone (here by
    the rules: the scripted model's rewrite is an answer, not a question) and the widget says so."""
    assert scripted.generator is not None
    scripted.generator.text = TRAVEL_FACTS["hotel"]
    open_widget(page, intranet.publish("/follow-up.html", intranet_page(widget_tag(scripted.url))))
    first = ask(page, "What is the daily meal allowance?")
    expect(first.locator(".answered-as")).to_have_count(0)  # asked as it stands
    calls = len(scripted.generator.calls)
    second = ask(page, "And the hotel limit per night?")
    expect(second.locator(".answered-as")).to_have_text("Answered as: What is the hotel limit per night?")
    expect(second).to_have_class(re.compile(r"\bgrounded\b"))
    expect(second.locator(".answer")).to_contain_text("160 euros")
    rewrite_prompt = scripted.generator.calls[calls]  # the rewrite came first, then the answer
    assert "What is the daily meal allowance?" in rewrite_prompt[-1]["content"]


def test_unanswerable_question_shows_the_suppressed_state(page: Page, scripted: Service, intranet: Intranet) -> None:
    assert scripted.generator is not None
    scripted.generator.text = "Lima."
    open_widget(page, intranet.publish("/suppressed.html", intranet_page(widget_tag(scripted.url))))

    outside = ask(page, "What is the capital city of Peru?")
    expect(outside).to_have_class(re.compile(r"\bsuppressed\b"))
    expect(outside).to_have_attribute("data-reason", "no_relevant_passages")
    expect(outside.locator(".notice")).to_contain_text("No verified answer")
    expect(outside.locator(".notice")).to_contain_text("No document in the knowledge base matches the question.")
    expect(outside.locator(".answer")).not_to_contain_text("Lima")
    expect(outside.locator(".badge")).to_have_count(0)
    expect(outside.locator(".card")).to_have_count(0)

    # The model declines although passages were found: the closest passages are offered.
    scripted.generator.text = REFUSAL_EN
    declined = ask(page, "How much is the daily meal allowance when travelling?")
    expect(declined).to_have_class(re.compile(r"\bsuppressed\b"))
    expect(declined.locator(".notice strong")).to_have_text("No verified answer")
    expect(declined.locator("h3")).to_have_text("Closest passages")
    assert declined.locator(".card").count() >= 1
    expect(declined.locator(".card .quote").first).not_to_be_empty()
    screenshot(page, "widget-suppressed.png")


def test_keyboard_only_ask_open_a_source_and_rate(page: Page, scripted: Service, intranet: Intranet) -> None:
    assert scripted.generator is not None
    scripted.generator.text = TRAVEL_FACTS["hotel"]
    page.goto(intranet.publish("/keyboard.html", intranet_page(widget_tag(scripted.url))))
    ups_before = len([r for r in scripted.feedback() if r["rating"] == "up"])

    tab_to(page, lambda el: el["label"] == "Open the knowledge base chat")
    page.keyboard.press("Enter")
    expect(page.locator(f"{WIDGET} .launcher")).to_have_attribute("aria-expanded", "true")
    expect(page.locator(f"{WIDGET} .ask textarea")).to_be_focused()
    page.keyboard.type("How much may a hotel cost per night?")
    page.keyboard.press("Enter")
    answer = page.locator(f"{WIDGET} article.bot").first
    expect(answer).to_have_attribute("aria-busy", "false", timeout=60_000)
    expect(answer).to_have_class(re.compile(r"\bgrounded\b"))
    expect(page.locator(f"{WIDGET} .ask textarea")).to_be_focused()  # ready for the next question
    expect(page.locator(f"{WIDGET} .log")).to_have_attribute("aria-live", "polite")

    # Back through the answer with Shift+Tab: the rating buttons and the source card are reachable.
    tab_to(page, lambda el: el["label"] == "Helpful", backwards=True)
    page.keyboard.press("Enter")
    expect(answer.locator(".fb-status")).to_have_text("Thank you for your feedback.")
    expect(answer.locator(".feedback button[aria-label='Helpful']")).to_have_attribute("aria-pressed", "true")
    tab_to(page, lambda el: "card-head" in (el["cls"] or ""), backwards=True)
    page.keyboard.press("Enter")
    expect(answer.locator(".card-head").first).to_have_attribute("aria-expanded", "true")

    # Escape closes the panel and gives the focus back to the launcher.
    page.keyboard.press("Escape")
    expect(page.locator(f"{WIDGET} .panel")).to_be_hidden()
    expect(page.locator(f"{WIDGET} .launcher")).to_be_focused()

    ups = [r for r in scripted.feedback() if r["rating"] == "up"]
    assert len(ups) == ups_before + 1
    record = ups[-1]
    assert str(record["answer_id"]).startswith("chatcmpl-")
    assert record["question"] == "How much may a hotel cost per night?"
    assert f'kb_feedback_total{{rating="up"}} {float(len(ups))}' in scripted.metrics()


def test_thumbs_down_with_a_comment_is_stored_de_identified(page: Page, scripted: Service, intranet: Intranet) -> None:
    assert scripted.generator is not None
    scripted.generator.text = TRAVEL_FACTS["mileage"]
    open_widget(page, intranet.publish("/down.html", intranet_page(widget_tag(scripted.url))))
    answer = ask(page, "At what rate is a private car reimbursed?")
    answer.locator(".feedback button[aria-label='Not helpful']").click()
    comment = answer.locator(".comment textarea")
    expect(comment).to_be_focused()
    comment.fill("Ask Peter Johnson at peter.johnson@example.com, the rate changed.")
    answer.locator(".comment button").click()
    expect(answer.locator(".fb-status")).to_have_text("Thank you for your feedback.")
    record = scripted.feedback()[-1]
    assert record["rating"] == "down"
    assert "Peter Johnson" not in str(record["comment"]) and "peter.johnson@example.com" not in str(record["comment"])
    assert "the rate changed" in str(record["comment"])


def test_chinese_ui_strings(browser: Browser, scripted: Service, intranet: Intranet) -> None:
    assert scripted.generator is not None
    scripted.generator.text = TRAVEL_FACTS["meal"]
    context = browser.new_context(viewport={"width": 1100, "height": 760}, locale="en-US")
    page = context.new_page()
    try:
        url = intranet.publish("/zh.html", intranet_page(widget_tag(scripted.url, lang="zh"), heading="公司内网"))
        page.goto(url)
        launcher = page.locator(f"{WIDGET} .launcher")
        expect(launcher).to_have_attribute("aria-label", "打开知识库问答")
        expect(launcher).to_contain_text("提问")
        launcher.click()
        expect(page.locator(f"{WIDGET} h2")).to_have_text("知识库问答")
        expect(page.locator(f"{WIDGET} .ask textarea")).to_have_attribute("placeholder", "请输入问题…")
        expect(page.locator(f"{WIDGET} .ask button")).to_have_text("发送")
        expect(page.locator(f"{WIDGET} .intro")).to_contain_text("请提出与文档相关的问题")
        answer = ask(page, MEAL_QUESTION)
        expect(answer.locator(".badge")).to_contain_text("已与文档核对")
        expect(answer.locator("h3")).to_have_text("来源")
        expect(answer.locator(".card .meta").first).to_contain_text("第 1 页")
        expect(answer.locator(".feedback button").first).to_have_attribute("aria-label", "有帮助")
        outside = ask(page, "What is the capital city of Peru?")
        expect(outside.locator(".notice strong")).to_have_text("没有经过核实的回答")
        screenshot(page, "widget-zh.png")
    finally:
        context.close()
    # Without data-kb-lang the browser's language decides.
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    try:
        tag = f'<script src="{scripted.url}/widget.js" data-kb-key="{READER_KEY}" defer></script>'
        page.goto(intranet.publish("/auto.html", intranet_page(tag)))
        expect(page.locator(f"{WIDGET} .launcher")).to_have_attribute("aria-label", "打开知识库问答")
    finally:
        context.close()


def test_reader_key_widget_offers_no_upload_and_cannot_upload(page: Page, scripted: Service, intranet: Intranet) -> None:
    open_widget(page, intranet.publish("/upload.html", intranet_page(widget_tag(scripted.url))))
    controls = page.evaluate(
        """() => {
            const host = document.querySelector('[data-kb-widget]');
            return Array.from(host.shadowRoot.querySelectorAll('input, button, a, form'))
                .map((el) => [el.tagName, el.type || '', (el.getAttribute('aria-label') || el.textContent || '').trim()]);
        }"""
    )
    assert controls, "the widget renders controls"
    assert not any(kind == "file" for _, kind, _ in controls), controls
    assert not any(re.search(r"upload|上传|document", label, re.I) for _, _, label in controls), controls
    # The page's own context, with the widget's reader key: uploading is refused.
    status, code = page.evaluate(
        """async ([api, key]) => {
            const form = new FormData();
            form.append('file', new Blob(['%PDF-1.4 hello'], {type: 'application/pdf'}), 'x.pdf');
            const response = await fetch(api + '/v1/documents', {
                method: 'POST', headers: {Authorization: 'Bearer ' + key}, body: form});
            return [response.status, (await response.json()).error.code];
        }""",
        [scripted.url, READER_KEY],
    )
    assert (status, code) == (403, "insufficient_permissions")


def test_refused_key_and_unlisted_origin_are_explained(page: Page, scripted: Service, intranet: Intranet) -> None:
    open_widget(page, intranet.publish("/wrong-key.html", intranet_page(widget_tag(scripted.url, key="not-a-key"))))
    refused = ask(page, MEAL_QUESTION)
    expect(refused.locator(".error[role='alert']")).to_have_text("The widget's key was refused by the knowledge base.")
    # The same page on an origin KB_CORS_ORIGINS does not list: the browser blocks the calls.
    elsewhere = intranet.publish("/elsewhere.html", intranet_page(widget_tag(scripted.url))).replace("127.0.0.1", "localhost")
    open_widget(page, elsewhere)
    blocked = ask(page, MEAL_QUESTION)
    expect(blocked.locator(".error[role='alert']")).to_have_text("The knowledge base could not be reached.")


def test_iframe_page_takes_the_key_from_the_fragment(page: Page, scripted: Service, intranet: Intranet) -> None:
    assert scripted.generator is not None
    scripted.generator.text = TRAVEL_FACTS["approval"]
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    iframe = f'<iframe src="{scripted.url}/widget#key={READER_KEY}&lang=en" title="Knowledge base" width="480" height="560"></iframe>'
    page.goto(intranet.publish("/iframe.html", intranet_page(iframe)))
    frame = page.frame_locator("iframe")
    box = frame.locator(f"{WIDGET} .ask textarea")
    expect(box).to_be_visible()
    box.fill("Who must approve a trip abroad?")
    box.press("Enter")
    answer = frame.locator(f"{WIDGET} article.bot").first
    expect(answer).to_have_attribute("aria-busy", "false", timeout=60_000)
    expect(answer).to_have_class(re.compile(r"\bgrounded\b"))
    expect(answer.locator(".card")).not_to_have_count(0)

    widget_frame = next(f for f in page.frames if f.url.startswith(scripted.url))
    assert "key=" not in widget_frame.url  # taken out of the address bar and history
    assert not any(READER_KEY in url for url in seen), seen  # never sent in a URL, so never logged

    # Without a key in the fragment the page asks for one.
    page.goto(f"{scripted.url}/widget")
    key_field = page.get_by_label("Reader key")
    expect(key_field).to_have_attribute("type", "password")
    expect(page.locator(f"{WIDGET} .ask")).to_be_hidden()
    key_field.fill(READER_KEY)
    key_field.press("Enter")
    expect(page.locator(f"{WIDGET} .ask textarea")).to_be_focused()


def test_widget_files_and_headers(scripted: Service, intranet: Intranet) -> None:
    import httpx

    script = httpx.get(f"{scripted.url}/widget.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    code_only = re.sub(r"/\*.*?\*/", "", script.text, flags=re.S).replace('"http://www.w3.org/2000/svg"', "")
    assert not re.search(r"https?://", code_only), "the widget loads nothing from elsewhere"
    page = httpx.get(f"{scripted.url}/widget")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert f"frame-ancestors 'self' {intranet.origin}" in policy and "script-src 'self'" in policy
    assert page.headers["referrer-policy"] == "no-referrer"


# --- the widget on the real model ------------------------------------------------------------

@pytest.mark.vllm
@pytest.mark.slow
def test_widget_on_the_real_model(
    browser: Browser, intranet: Intranet, llm_url: str, tmp_path: Path,
    embedder: SentenceTransformerEmbedder, deidentifier: Deidentifier,
) -> None:
    settings = api_settings(tmp_path / "data", llm_url, cors_origins=[intranet.origin])
    services = build_services(settings, embedder=embedder, deidentifier=deidentifier)
    try:
        assert services.pipeline.ingest_file(travel_policy_pdf(tmp_path)).status == "ingested"
        with LiveServer(create_app(settings, services=services)) as live:
            service = Service(live, settings, None)
            context = browser.new_context(viewport={"width": 1100, "height": 760})
            page = context.new_page()
            page.set_default_timeout(30_000)
            try:
                open_widget(page, intranet.publish("/real.html", intranet_page(widget_tag(live.url))))
                answer = ask(page, MEAL_QUESTION, timeout_s=240)
                # SmolLM2 usually copies the fact (grounded, cited); if the verifier suppresses
                # it instead, the widget must say so and offer the closest passages.
                grounded = "grounded" in (answer.get_attribute("class") or "")
                if grounded:
                    expect(answer.locator(".answer")).to_contain_text("45 euros")
                    expect(answer.locator("h3")).to_have_text("Sources")
                else:
                    expect(answer.locator(".notice strong")).to_have_text("No verified answer")
                    expect(answer.locator("h3")).to_have_text("Closest passages")
                assert answer.locator(".card").count() >= 1
                expect(answer.locator(".card .meta").first).to_contain_text("travel-policy.pdf")

                outside = ask(page, "Which football club won the 1998 World Cup final?", timeout_s=240)
                expect(outside).to_have_class(re.compile(r"\bsuppressed\b"))
                expect(outside.locator(".notice strong")).to_have_text("No verified answer")
                expect(outside.locator(".answer")).not_to_contain_text("1998")

                answer.locator(".feedback button[aria-label='Helpful']").click()
                expect(answer.locator(".fb-status")).to_have_text("Thank you for your feedback.")
                (record,) = service.feedback()
                assert record["rating"] == "up" and str(record["answer_id"]).startswith("chatcmpl-")
                assert record["question"] == MEAL_QUESTION
                assert 'kb_feedback_total{rating="up"} 1.0' in service.metrics()
                screenshot(page, "widget-real-model.png")
            finally:
                context.close()
    finally:
        services.close()

