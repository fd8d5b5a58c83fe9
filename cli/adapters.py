"""`kb adapters list|promote|rollback` and `kb retrain`.

Promote and roll back go through the running service's API when KB_API_URL is set (so its
model server loads the adapter). Otherwise they change the registry here and load the
adapter into the model server at KB_LLM_URL, or the managed one on KB_LLM_PORT, when one
answers; a server started later loads every adapter folder anyway.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from cli.context import AppContext
from kb_service.settings import Settings

app = typer.Typer(help="List, promote and roll back LoRA adapters.", no_args_is_help=True)
out = Console()
err = Console(stderr=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _loss(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, int | float) else "—"


def _model_server(settings: Settings) -> str | None:
    """The model server to load adapters into: KB_LLM_URL, or the managed server's port, if it answers."""
    from training.adapter_service import server_answers

    url = settings.llm_url or f"http://127.0.0.1:{settings.llm_port}/v1"
    if server_answers(url):
        return url
    if settings.llm_url:
        err.print(f"[yellow]the model server at {escape(url)} does not answer; only the registry changes[/]")
    return None


def _service(ctx: typer.Context):  # type: ignore[no-untyped-def]
    from training.adapter_service import AdapterService

    app_ctx: AppContext = ctx.obj
    return AdapterService(app_ctx.settings, llm_url=_model_server(app_ctx.settings), ledger=app_ctx.ledger())


def _call_api(settings: Settings, path: str, params: dict[str, str] | None = None) -> dict[str, Any]:
    """POST to the running kb-service; its errors become a message and exit status 1."""
    import httpx

    assert settings.api_url is not None
    headers = {"Authorization": f"Bearer {settings.api_key}"} if settings.api_key else {}
    try:
        response = httpx.post(f"{settings.api_url}{path}", params=params, headers=headers, timeout=3600.0)
    except httpx.HTTPError as exc:
        err.print(f"[red]kb-service at {escape(settings.api_url)} is unreachable:[/] {escape(str(exc))}")
        raise typer.Exit(1) from exc
    if response.status_code >= 400:
        try:
            message = response.json()["error"]["message"]
        except (ValueError, KeyError, TypeError):
            message = response.text[:300]
        err.print(f"[red]refused ({response.status_code}):[/] {escape(message)}")
        raise typer.Exit(1)
    return response.json()


@app.command("list")
def list_adapters(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Adapters with active flag, staleness (a training document changed or was deleted) and losses."""
    from training.registry import AdapterRegistry

    app_ctx: AppContext = ctx.obj
    registry = AdapterRegistry(app_ctx.settings)
    infos = registry.list(ledger=app_ctx.ledger())
    if as_json:
        out.print_json(json.dumps({
            "active": registry.promoted(),
            "default_model": registry.default_model(),
            "adapters": [info.to_dict() for info in infos],
        }))
        return
    if not infos:
        out.print(f"no adapters in {app_ctx.settings.adapters_dir}: `kb train` makes one")
    else:
        table = Table("name", "active", "stale", "val loss", "test loss", "created")
        for info in infos:
            stale = "[yellow]stale[/]: " + escape("; ".join(info.stale_reasons)) if info.stale else ""
            table.add_row(
                escape(info.name), "✓" if info.active else "", stale, _loss(info.metrics.get("val_loss")),
                _loss(info.metrics.get("test_loss")), escape(info.created_at or ""),
            )
        out.print(table)
    if app_ctx.settings.llm_adapter:
        out.print(f"KB_LLM_ADAPTER={escape(app_ctx.settings.llm_adapter)} overrides the registry")
    out.print(f"default model: {escape(registry.default_model())}")


@app.command()
def promote(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Adapter folder name.")],
    force: Annotated[bool, typer.Option("--force", help="Promote without comparing test-split losses.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Make an adapter the default, without a restart, unless it scores worse on the test split
    than the current default (then exit status 1, unless --force)."""
    from training.registry import AdapterNotFoundError, PromotionRefusedError

    settings: Settings = ctx.obj.settings
    if settings.api_url:
        result = _call_api(settings, f"/v1/adapters/{name}/promote", {"force": str(force).lower()})
    else:
        from kb_service.audit import record_cli

        service = _service(ctx)

        def audit(ok: bool) -> None:
            record_cli(settings, "adapter.promote", command="kb adapters promote", target=name, ok=ok,
                       detail={"forced": force})

        try:
            with err.status("comparing test-split losses…" if not force else "promoting…"):
                result = service.promote(name, force=force).to_dict()
        except AdapterNotFoundError as exc:
            audit(False)
            err.print(f"[red]{escape(str(exc))}[/]")
            raise typer.Exit(1) from exc
        except PromotionRefusedError as exc:
            audit(False)
            if as_json:
                out.print_json(json.dumps(exc.result.to_dict()))
            err.print(f"[red]refused:[/] {escape(str(exc))}")
            raise typer.Exit(1) from exc
        audit(True)
        result["default_model"] = service.default_model()
    if as_json:
        out.print_json(json.dumps(result))
        return
    out.print(escape(result["message"]))
    comparison = result.get("comparison")
    if comparison:
        out.print(f"test loss {comparison['candidate_loss']:.4f} vs {escape(comparison['baseline'])} "
                  f"{comparison['baseline_loss']:.4f}")
    if result.get("overridden_by"):
        out.print(f"[yellow]KB_LLM_ADAPTER={escape(result['overridden_by'])} still answers by default[/]")


@app.command()
def rollback(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Return to the default adapter (or base model) before the last promotion."""
    from training.registry import NothingToRollBackError

    settings: Settings = ctx.obj.settings
    if settings.api_url:
        result = _call_api(settings, "/v1/adapters/rollback")
    else:
        from kb_service.audit import record_cli

        service = _service(ctx)
        try:
            rolled = service.rollback()
        except NothingToRollBackError as exc:
            record_cli(settings, "adapter.rollback", command="kb adapters rollback", target=None, ok=False)
            err.print(f"[red]{escape(str(exc))}[/]")
            raise typer.Exit(1) from exc
        record_cli(settings, "adapter.rollback", command="kb adapters rollback", target=rolled.previous, ok=True)
        result = {"active": rolled.active, "previous": rolled.previous, "default_model": rolled.default_model}
    if as_json:
        out.print_json(json.dumps(result))
        return
    out.print(f"rolled back from {escape(result['previous'] or settings.llm_served_name)}; "
              f"default model: {escape(result['default_model'])}")


def retrain(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Option("--name", help="Name of the new adapter (default: adapter-<time>).")] = None,
    max_steps: Annotated[
        int | None, typer.Option("--max-steps", min=1, help="Stop after this many optimizer steps.")
    ] = None,
    full: Annotated[
        bool, typer.Option("--full", help="Train from the base model on the whole dataset, whatever changed.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Build the dataset from the current documents and its delta against the active adapter;
    continue training the adapter on the changed documents (plus a replay sample of the
    others), or train afresh when a document it learnt is gone; evaluate, and promote the
    result only if it is not worse. Exit status: 0 promoted or nothing to do, 1 refused."""
    from training.retrain import retrain as run_retrain

    app_ctx: AppContext = ctx.obj
    settings = app_ctx.settings
    via_api = settings.api_url is not None
    activate = None if via_api else _service(ctx).activate
    err.print("retraining: building the dataset from the current documents…")
    result = run_retrain(
        settings, name=name, ledger=app_ctx.ledger(), promote=not via_api, activate=activate, console=err,
        max_steps=max_steps, full=full,
    )
    summary = result.to_dict()
    if result.adapter_dir is None:
        if as_json:
            out.print_json(json.dumps(summary))
        else:
            out.print(f"nothing to retrain: {escape(result.plan.reason)}")
        raise typer.Exit(0)
    if via_api:  # the service compares and loads the adapter into its own model server
        summary["promotion"] = _call_api(settings, f"/v1/adapters/{result.name}/promote", {"force": "false"})
    promotion = summary["promotion"]
    if as_json:
        out.print_json(json.dumps(summary))
    else:
        plan = result.plan
        out.print(escape(plan.reason))
        if plan.mode == "delta":
            out.print(f"trained on {plan.delta_examples} examples of {len(plan.changed)} changed document(s) "
                      f"and {plan.replay_examples} replayed")
        out.print(f"adapter {escape(result.name)} trained from {escape(result.parent or settings.llm_served_name)} "
                  f"on {escape(str(result.train_dir))}")
        out.print(escape(promotion["message"]))
    raise typer.Exit(0 if promotion["promoted"] else 1)
