"""The container deployment (compose.yaml, Dockerfile, deploy/) hangs together.

Which check runs is decided here, at run time, never skipped: `docker compose config` when docker
with the compose plugin answers `docker compose version` (it needs no daemon for that), and in
every case a structure check of the YAML against what the README promises. On the development
machine this was written on, docker had no compose plugin, so the structure check alone ran;
the test prints which ran.
"""

import re
import shutil
import subprocess
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import pytest
import yaml

from tracker.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "compose.yaml"
DEPLOY = ROOT / "deploy"


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return loaded


def _compose_plugin() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        found = subprocess.run(
            ["docker", "compose", "version"], capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return found.returncode == 0


def _env_files(service: dict[str, Any]) -> list[str]:
    return [e["path"] if isinstance(e, dict) else e for e in service.get("env_file", [])]


def _structure_check(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {"db", "migrate", "tracker"}
    db, migrate, tracker = services["db"], services["migrate"], services["tracker"]
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert any(v.startswith("pgdata:") for v in db["volumes"]) and "pgdata" in compose["volumes"]

    # Migrations run once, by the release step, after the database is healthy; the dashboard
    # starts only when that step has succeeded.
    assert migrate["depends_on"]["db"]["condition"] == "service_healthy"
    assert migrate["restart"] == "no"
    assert "tracker init" in " ".join(migrate["command"])
    assert "grant-app-role tracker_app" in " ".join(migrate["command"])
    assert tracker["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "/_stcore/health" in " ".join(tracker["healthcheck"]["test"])
    assert migrate["image"] == tracker["image"] and migrate["build"] == "."

    # Secrets come from files kept out of git, each with a committed example; no service
    # carries a password or database URL in the compose file itself.
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    files = [f for s in services.values() for f in _env_files(s)]
    files += [s["file"] for s in compose["secrets"].values()]
    assert {"deploy/postgres.env", "deploy/owner.env", "deploy/tracker.env"} <= set(files)
    for name in files:
        assert (ROOT / f"{name}.example").is_file(), name
        assert any(fnmatch(name, pattern) for pattern in ignored), f"{name} is not git-ignored"
    for name, service in services.items():
        assert "environment" not in service, f"{name}: settings belong in its env file"
    assert tracker["secrets"][0]["target"] == "/app/.streamlit/secrets.toml"

    # The dashboard connects as the application role, the release step as the owner, and the
    # role the database creates is the one the release step grants to.
    assert "tracker_app:" in (DEPLOY / "tracker.env.example").read_text(encoding="utf-8")
    assert "tracker_owner:" in (DEPLOY / "owner.env.example").read_text(encoding="utf-8")
    assert "CREATE ROLE tracker_app LOGIN" in (DEPLOY / "initdb" / "10-app-role.sh").read_text(
        encoding="utf-8"
    )
    # Every TRACKER_ setting in the examples is one the tracker reads.
    known = {f"TRACKER_{name.upper()}" for name in Settings.model_fields}
    for example in DEPLOY.glob("*.env.example"):
        for key in re.findall(r"^(TRACKER_[A-Z0-9_]+)=", example.read_text("utf-8"), re.M):
            if key != "TRACKER_APP_PASSWORD":  # read by the database's init script
                assert key in known, f"{example.name}: {key}"

    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^USER (?!root)\w+", dockerfile, re.M), "the image does not run as root"
    assert 'CMD ["tracker", "serve", "--address", "0.0.0.0", "--port", "8501"]' in dockerfile
    assert "EXPOSE 8501" in dockerfile


def test_compose_file_describes_the_deployment_the_readme_promises(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    compose = _compose()
    _structure_check(compose)
    if _compose_plugin():
        # Real env files are not in git: check a copy with the examples in their place.
        shutil.copy(COMPOSE, tmp_path / "compose.yaml")
        shutil.copy(ROOT / "Dockerfile", tmp_path / "Dockerfile")
        shutil.copytree(DEPLOY, tmp_path / "deploy")
        for example in (tmp_path / "deploy").glob("*.example"):
            shutil.copy(example, example.with_suffix(""))
        checked = subprocess.run(
            ["docker", "compose", "-f", str(tmp_path / "compose.yaml"), "config", "--quiet"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert checked.returncode == 0, checked.stderr
        ran = "docker compose config and the structure check"
    else:
        ran = "the structure check (docker compose is not available here)"
    with capsys.disabled():
        print(f"\ncompose.yaml checked by {ran}")
