"""`kb serve`, `kb ask`, `kb eval`: the answering side of the command line."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from cli.answering import answering
from cli.context import AppContext
from kb_service.settings import Settings
from kb_service.types import Answer

if TYPE_CHECKING:
    import uvicorn

err = Console(stderr=True)
out = Console()


def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option("--host", help="Bind address (default KB_API_HOST).")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port (default KB_API_PORT).")] = None,
) -> None:
    """Start the service: the vLLM model server (unless KB_LLM_URL points at one), then the API.

    Stops the model server when the API stops (Ctrl-C). The model server's log is
    $KB_DATA_DIR/logs/vllm.log.
    """
    import uvicorn

    from api.app import create_app
    from kb_service.llm.server import ManagedModelServer

    settings = ctx.obj.settings if isinstance(ctx.obj, AppContext) else ctx.obj
    host = host or settings.api_host
    port = port or settings.api_port
    server = ManagedModelServer(settings) if settings.llm_url is None else None
    try:
        if server is not None:
            with err.status(f"starting the model server (vLLM; log: {settings.log_dir / 'vllm.log'})…"):
                server.start()
                settings = server.served_settings(settings)
            err.print(f"model server ready at {settings.llm_url}")
        else:
            err.print(f"using the model server at {settings.llm_url}")
        app = create_app(settings)
        api = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False))
        threading.Thread(target=_announce_when_ready, args=(api, host, port, settings), daemon=True).start()
        api.run()
    finally:
        if server is not None:
            server.stop()


def _announce_when_ready(api: uvicorn.Server, host: str, port: int, settings: Settings) -> None:
    """Print where to go once the API answers /readyz (the models load first): the landing
    page, the chat widget, the admin page and a curl line."""
    import httpx

    local = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    base = f"http://{local}:{port}"
    while not api.started:
        if api.should_exit:
            return
        time.sleep(0.1)
    try:
        ready = httpx.get(f"{base}/readyz", timeout=30).json().get("ready", False)
    except (httpx.HTTPError, ValueError):
        ready = False
    key_hint = "" if settings.open_access else ' -H "Authorization: Bearer $KB_KEY"'
    state = "ready" if ready else "up, but not every part is ready (see /readyz)"
    err.print(
        f"kb-service is {state}:\n"
        f"  landing page  {base}/\n"
        f"  chat widget   {base}/widget\n"
        f"  admin page    {base}/admin\n"
        f"  API docs      {base}/docs\n"
        f"Ask:\n  curl -s {base}/v1/ask{key_hint} -H 'Content-Type: application/json' "
        "-d '{\"question\": \"How many days of annual leave do employees get?\"}'",
        highlight=False, soft_wrap=True,
    )


def print_answer(answer: Answer) -> None:
    colour = "green" if answer.grounded else "yellow"
    state = "answer" if answer.grounded else f"suppressed ({answer.suppressed_reason})"
    out.print(f"[bold {colour}]{state}[/] · confidence {answer.confidence:.2f}"
              + (f" · trimmed {answer.claims_dropped}" if answer.trimmed else ""))
    out.print(escape(answer.answer), highlight=False)
    if answer.citations:
        out.print("[bold]Sources[/]" if answer.grounded else "[bold]Closest passages[/]")
    for n, c in enumerate(answer.citations, start=1):
        page = f", p. {c.page}" if c.page else ""
        section = f" — {escape(c.section)}" if c.section else ""
        out.print(f"[{n}] {escape(c.title or c.document)}{section}{page} ({escape(c.document)})", highlight=False)
        out.print(f"    [dim]{escape(c.quote[:200])}[/]", highlight=False)
    stages = " · ".join(f"{k} {v:.0f} ms" for k, v in answer.timings.items())
    out.print(f"[dim]{stages}[/]")


def ask(
    ctx: typer.Context,
    question: Annotated[str, typer.Argument(help="The question.")],
    k: Annotated[int | None, typer.Option("-k", min=1, max=50, help="Passages to retrieve.")] = None,
    adapter: Annotated[str | None, typer.Option("--adapter", help="Adapter (or base model name) to answer with.")] = None,
    threshold: Annotated[float | None, typer.Option("--threshold", min=0.0, max=1.0, help="Confidence threshold.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the Answer object as JSON.")] = False,
) -> None:
    """Answer a question from the knowledge base, or say that it does not support one.

    Talks to the service at KB_API_URL when set; otherwise answers in-process and starts
    (then stops) the model server as `kb serve` would, unless KB_LLM_URL is set.
    """
    settings = ctx.obj.settings
    with answering(settings, err) as ask_fn:
        answer = ask_fn(question, k=k, model=adapter, threshold=threshold)
    if as_json:
        out.print_json(answer.model_dump_json())
    else:
        print_answer(answer)


def evaluate(
    ctx: typer.Context,
    questions: Annotated[Path, typer.Argument(help="JSONL: {id, question, answer, doc, page?, answerable} per line.")],
    out_dir: Annotated[Path | None, typer.Option("--out", help="Report folder (default $KB_DATA_DIR/eval/<time>).")] = None,
    adapter: Annotated[str | None, typer.Option("--adapter", help="Adapter (or base model name) to evaluate.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    compare: Annotated[
        bool,
        typer.Option(
            "--compare",
            help="Compare --adapter (default: the active adapter) with --baseline on this file, on the "
            "dataset's test split (prompt level) and by perplexity; writes comparison.md.",
        ),
    ] = False,
    baseline: Annotated[
        str | None, typer.Option("--baseline", help="With --compare: the other side (default: the base model).")
    ] = None,
    dataset: Annotated[
        Path | None,
        typer.Option("--dataset", help="With --compare: dataset whose test split is used (default: the adapter's)."),
    ] = None,
    split_limit: Annotated[
        int | None, typer.Option("--split-limit", min=1, help="With --compare: use the first N test examples.")
    ] = None,
    perplexity: Annotated[
        bool, typer.Option("--perplexity/--no-perplexity", help="With --compare: score test-split perplexity.")
    ] = True,
) -> None:
    """Run an evaluation set through the answer service and write a Markdown + JSON + PNG report.

    With --compare, measure two models side by side (base model and adapter by default).
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from training.eval_report import write_report
    from training.evaluation import load_questions, run_evaluation

    settings = ctx.obj.settings
    if not questions.exists():
        err.print(f"[red]no such file:[/] {questions}")
        raise typer.Exit(2)
    items = load_questions(questions)
    target = out_dir or settings.data_dir / "eval" / datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    if compare:
        from cli.compare import run_comparison

        run_comparison(
            settings, items, target, candidate=adapter, baseline=baseline, dataset=dataset,
            split_limit=split_limit, perplexity=perplexity, as_json=as_json,
        )
        return
    with answering(settings, err) as ask_fn:
        columns = (TextColumn("evaluating"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        with Progress(*columns, console=err) as progress:
            task = progress.add_task("eval", total=len(items))
            report = run_evaluation(
                items,
                lambda q: ask_fn(q, model=adapter),
                on_progress=lambda done, total: progress.update(task, completed=done),
                metadata={"threshold": settings.confidence_threshold, "adapter": adapter, "questions": str(questions)},
            )
    paths = write_report(report, target)
    if as_json:
        out.print_json(json.dumps(report.summary))
    else:
        summary = report.summary
        for key in ("total", "answered", "suppressed", "errors", "accuracy", "mean_token_f1", "citation_doc_accuracy",
                    "refusal_rate", "false_suppression_rate", "latency_p50_s", "latency_p95_s"):
            value = summary.get(key)
            out.print(f"{key:24} {value if not isinstance(value, float) else round(value, 3)}")
        out.print(f"report: {paths['markdown']}")
