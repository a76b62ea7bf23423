"""The container files agree with the code: Docker cannot run here, so what can be checked
without it is checked: services, commands, and that every variable they set is a real setting
documented in the README (a typo such as REDIS_URI would be silently ignored by the bot)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from luka_bot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SETTING_NAMES = {name.upper() for name in Settings.model_fields}


def _readme_settings() -> set[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Settings", 1)[1].split("\n## ", 1)[0]
    return {
        name
        for row in section.splitlines()
        if row.startswith("| `")
        for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])
    }


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def test_compose_has_valkey_with_aof_one_gateway_and_two_workers(compose):
    services = compose["services"]
    valkey = services["valkey"]
    assert "valkey" in valkey["image"]
    command = " ".join(valkey["command"])
    assert "--appendonly yes" in command
    roles = {name: service["command"] for name, service in services.items() if name != "valkey"}
    gateways = [n for n, c in roles.items() if c == ["run", "--role", "gateway"]]
    workers = [n for n, c in roles.items() if c == ["run", "--role", "worker"]]
    assert len(gateways) == 1 and len(workers) == 2 and len(roles) == 3
    names = [services[w]["environment"]["WORKER_NAME"] for w in workers]
    assert len(set(names)) == 2, "each worker needs its own WORKER_NAME"
    for name in roles:
        env = services[name]["environment"]
        assert env["REDIS_URL"].startswith("redis://valkey:"), name
        assert env["WEB_HOST"] == "0.0.0.0", "probes reach /healthz from outside the container"


def test_every_variable_compose_sets_is_a_documented_setting(compose):
    documented = _readme_settings()
    for name, service in compose["services"].items():
        if name == "valkey":
            continue
        for variable in service["environment"]:
            assert variable in SETTING_NAMES, f"{name}: {variable} is not a setting in settings.py"
            assert variable in documented, f"{name}: {variable} is not in the README settings table"


def test_every_setting_is_in_the_readme_table():
    missing = SETTING_NAMES - _readme_settings()
    assert not missing, f"settings without a README row: {sorted(missing)}"


def test_dockerfile_is_slim_non_root_with_a_healthcheck():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    bases = re.findall(r"^FROM (\S+)", dockerfile, flags=re.MULTILINE)
    assert bases and all(base.endswith("-slim") or " AS " in base for base in bases) and bases[-1].endswith("-slim")
    users = re.findall(r"^USER (\S+)", dockerfile, flags=re.MULTILINE)
    assert users and users[-1] not in ("root", "0")
    assert re.search(r"^HEALTHCHECK .*\n?.*/healthz", dockerfile, flags=re.MULTILINE)
    env_names = set(re.findall(r"\b([A-Z][A-Z0-9_]+)=", dockerfile.split("FROM", 2)[-1]))
    assert env_names - {"PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED"} <= SETTING_NAMES
