"""The deployment files agree with the Compose specification, with each other and with README.md.

No Docker engine runs here, so docker-compose.yml is validated by Debian's docker-compose
(`docker-compose config` needs no engine: it interpolates and checks the file against the
Compose specification), and read with PyYAML for the checks against README.md.
"""

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_TEXT = (ROOT / "docker-compose.yml").read_text()
README = (ROOT / "README.md").read_text()
DOCKERFILE = (ROOT / "Dockerfile").read_text()

SECRETS = {"SECRET_KEY", "FIELD_ENCRYPTION_KEY", "POSTGRES_PASSWORD"}
APP_SERVICES = {"migrate", "web", "worker", "report-worker", "beat"}

# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?message}, ${NAME?message}, and $$.
_VARIABLE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")


class MissingVariable(Exception):
    pass


def interpolate(text, env):
    """Substitute variables in one value as Compose does; raise MissingVariable for ${NAME:?}."""

    def substitute(match):
        if match.group(0) == "$$":
            return "$"
        name, operator, argument = match.groups()
        value = env.get(name)
        unset = value is None or (value == "" and operator and operator.startswith(":"))
        if operator and operator.endswith("?") and unset:
            raise MissingVariable(f"{name}: {argument}")
        if operator and operator.endswith("-") and unset:
            return argument
        return value or ""

    assert "$" not in _VARIABLE.sub("", text), "a variable form this test does not interpolate"
    return _VARIABLE.sub(substitute, text)


def interpolate_all(node, env):
    # Compose interpolates the values of the parsed file, so "${X:-}" stays an empty string.
    if isinstance(node, dict):
        return {key: interpolate_all(value, env) for key, value in node.items()}
    if isinstance(node, list):
        return [interpolate_all(value, env) for value in node]
    return interpolate(node, env) if isinstance(node, str) else node


def compose(env):
    return interpolate_all(yaml.safe_load(COMPOSE_TEXT), env)


def compose_config(path, env):
    """`docker-compose config` on a file: (exit code, what it said)."""
    if shutil.which("docker-compose") is None:
        pytest.fail("docker-compose is missing: `make test` installs Debian's docker-compose")
    result = subprocess.run(
        ["docker-compose", "-f", str(path), "config", "--quiet"],
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        check=False,
    )
    return result.returncode, result.stdout + result.stderr


@pytest.fixture(scope="module")
def secrets_env():
    return {
        "SECRET_KEY": "a-long-random-production-secret-key-for-this-test-only-0123456789",
        "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "POSTGRES_PASSWORD": "0123456789abcdef",
    }


@pytest.fixture(scope="module")
def services(secrets_env):
    return compose(secrets_env)["services"]


def readme_section(title):
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.M | re.S)
    assert match, f"README.md has no section '## {title}'"
    return match.group(1)


def table_rows(markdown):
    """The first backticked span of each cell's row, keyed by the first cell's backticked name."""
    rows = {}
    for line in markdown.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 2 or not re.fullmatch(r"`[^`]+`", cells[0]):
            continue
        second = re.search(r"`([^`]+)`", cells[1])
        rows[cells[0].strip("`")] = second.group(1) if second else ""
    return rows


def dockerfile_cmd():
    match = re.search(r"^CMD (\[.*\])$", DOCKERFILE, re.M)
    assert match, "Dockerfile has no exec-form CMD"
    return json.loads(match.group(1))


def effective_command(service):
    command = service.get("command")
    if command is None:
        return dockerfile_cmd()
    return shlex.split(command) if isinstance(command, str) else command


def make_targets():
    makefile = (ROOT / "Makefile").read_text()
    return set(re.findall(r"^([A-Za-z][\w-]*):", makefile, re.M))


# --- docker-compose.yml ----------------------------------------------------------------------


def test_compose_refuses_to_start_without_each_secret(secrets_env):
    for name in SECRETS:
        env = {key: value for key, value in secrets_env.items() if key != name}
        with pytest.raises(MissingVariable, match=name):
            compose(env)


def test_compose_file_follows_the_compose_specification(secrets_env):
    code, said = compose_config(ROOT / "docker-compose.yml", secrets_env)
    assert code == 0, said


def test_compose_check_catches_a_misspelt_key(secrets_env, tmp_path):
    broken = yaml.safe_load(COMPOSE_TEXT)
    broken["services"]["web"]["enviroment"] = {"DEBUG": "True"}
    path = tmp_path / "docker-compose.yml"
    path.write_text(yaml.safe_dump(broken))
    code, said = compose_config(path, secrets_env)
    assert code != 0 and "enviroment" in said


def test_compose_runs_the_documented_services(services):
    assert set(services) == APP_SERVICES | {"postgres", "redis"}
    assert services["postgres"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7"


def test_app_services_run_in_production_mode_on_postgres_and_redis(services, secrets_env):
    for name in APP_SERVICES:
        env = services[name]["environment"]
        assert env["DEBUG"] == "False", name
        assert env["SECRET_KEY"] == secrets_env["SECRET_KEY"], name
        assert env["FIELD_ENCRYPTION_KEY"] == secrets_env["FIELD_ENCRYPTION_KEY"], name
        assert env["DATABASE_URL"] == (
            f"postgres://dashboard:{secrets_env['POSTGRES_PASSWORD']}@postgres:5432/dashboard"
        ), name
        assert env["REDIS_URL"] == "redis://redis:6379/0", name
    assert (
        services["postgres"]["environment"]["POSTGRES_PASSWORD"]
        == (secrets_env["POSTGRES_PASSWORD"])
    )


def test_web_serves_with_gunicorn_gthread_workers(services):
    command = effective_command(services["web"])
    assert command[:2] == ["gunicorn", "dashboard.wsgi"]
    assert command[command.index("--worker-class") + 1] == "gthread"
    assert "8000:8000" in services["web"]["ports"]


def test_the_sync_worker_yields_the_cores_to_the_web_server_when_they_share_them(services):
    command = effective_command(services["worker"])
    assert command[command.index("-P") + 1] == "threads"
    # Compose's default weight is 1024: a worker that sets none would weigh as much as web.
    web = int(services["web"].get("cpu_shares", 1024))
    assert int(services["worker"]["cpu_shares"]) * 4 <= web


def test_migrations_run_once_before_the_app_starts(services):
    assert effective_command(services["migrate"]) == [
        "python",
        "manage.py",
        "migrate",
        "--noinput",
    ]
    assert services["migrate"]["restart"] == "no"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in APP_SERVICES - {"migrate"}:
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["redis"]["condition"] == "service_healthy", name
    assert services["postgres"]["healthcheck"]["test"]
    assert services["redis"]["healthcheck"]["test"]


def test_django_accepts_the_compose_environment(services):
    # What each container would do first: load the settings in production mode and pass
    # Django's deployment checks at error level (no database connection is made).
    env = {**services["web"]["environment"], "PATH": "/usr/bin:/bin", "DATA_DIR": "/nonexistent"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "ERROR"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


# --- README.md -------------------------------------------------------------------------------


def test_readme_first_screen_gives_the_two_commands():
    first_screen = "\n".join(README.splitlines()[:25])
    block = re.search(r"```sh\n(.*?)```", first_screen, re.S)
    assert block, "no command block on README.md's first screen"
    assert block.group(1).split("\n")[:-1] == ["make demo", "make test"]


def test_every_make_target_the_readme_names_exists():
    named = set(re.findall(r"(?:`|^)make ([a-z][\w-]*)", README, re.M))
    assert {"demo", "test", "lint", "sandbox"} <= named
    assert named <= make_targets()


def test_readme_documents_every_variable_the_code_reads():
    documented = set(table_rows(readme_section("Configuration")))
    read = set()
    pattern = re.compile(
        r"(?:os\.environ\.get|os\.getenv|os\.environ\[|envbool|envint|envfloat)\(?\s*"
        r"[\"']([A-Z][A-Z0-9_]*)[\"']"
    )
    for package in ("dashboard", "accounts"):
        for path in (ROOT / package).rglob("*.py"):
            read |= set(pattern.findall(path.read_text()))
    assert read, "found no environment variables in the code; is the pattern stale?"
    assert read <= documented, f"undocumented: {sorted(read - documented)}"


def test_compose_passes_only_documented_variables(services):
    documented = set(table_rows(readme_section("Configuration")))
    for name in APP_SERVICES:
        passed = set(services[name]["environment"])
        assert passed <= documented, f"{name}: undocumented {sorted(passed - documented)}"


def test_readme_compose_section_matches_the_services(services):
    documented = table_rows(readme_section("Run with docker-compose"))
    assert set(documented) == set(services)
    for name, service in services.items():
        if name in APP_SERVICES:
            assert shlex.split(documented[name]) == effective_command(service), name
        else:
            assert documented[name] == service["image"], name


def test_readme_compose_section_sets_every_required_secret():
    required = set(re.findall(r"\$\{([A-Z_]+):\?", COMPOSE_TEXT))
    exported = set(
        re.findall(r"^export ([A-Z_]+)=", readme_section("Run with docker-compose"), re.M)
    )
    assert required == SECRETS
    assert exported == required


# --- Dockerfile, .dockerignore, .ci/run ------------------------------------------------------


def test_image_installs_locked_dependencies_and_runs_as_non_root():
    assert re.search(r"^FROM python:3\.11-slim$", DOCKERFILE, re.M)
    assert "uv sync --frozen --no-dev" in DOCKERFILE
    assert "collectstatic --noinput" in DOCKERFILE
    users = re.findall(r"^USER (\S+)$", DOCKERFILE, re.M)
    assert users and users[-1] not in ("root", "0")
    assert "curl" not in DOCKERFILE


def test_image_leaves_local_state_and_secrets_out():
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".env", ".venv", "data/", ".git", "*.sqlite3"):
        assert entry in ignored


def test_ci_runs_lint_and_the_readmes_test_command():
    script = (ROOT / ".ci/run").read_text()
    commands = [line for line in script.splitlines() if not line.lstrip().startswith("#")]
    assert any(re.search(r"\bmake test$", line) for line in commands)
    assert any(re.search(r"\bmake lint$", line) for line in commands)
    assert "make test" in readme_section("Tests")


def test_ci_script_is_valid_bash():
    result = subprocess.run(
        ["bash", "-n", str(ROOT / ".ci/run")], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr


def test_report_pdfs_have_a_worker_of_their_own_and_chromium_in_the_image(services):
    reports = effective_command(services["report-worker"])
    assert reports[reports.index("-Q") + 1] == "reports"
    assert reports[reports.index("-c") + 1] == "1"
    # The sync worker reads only the default queue, never a PDF render.
    sync = effective_command(services["worker"])
    assert sync[sync.index("-Q") + 1] == "celery"
    assert re.search(r"apt-get install -y --no-install-recommends chromium\b", DOCKERFILE)
