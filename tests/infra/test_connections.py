"""Connections files: the schema, option checks, secret resolution, and driver construction."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from jsonschema import Draft202012Validator

from engine import jsonio
from engine.errors import ConfigError, SpecError
from engine.run.connections import build_endpoints, check_endpoints
from engine.run.drivers.files import FilesDriver
from engine.run.drivers.registry import BUILTIN_DRIVERS, DriverRegistry
from engine.run.secrets import Secret

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schemas" / "connections.v1.json"
OPEN_OBJECTS = {"options", "endpoints"}  # endpoints is keyed by name; options belong to drivers


class TokenDriver:
    """A minimal driver with one secret and one ordinary option, recording how it was built."""

    options_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["base_url", "token"],
        "properties": {
            "base_url": {"type": "string"},
            "token": {"type": "string"},
            "retries": {"type": "integer"},
        },
    }
    secret_options: ClassVar[frozenset[str]] = frozenset({"token"})
    closed: ClassVar[list[str]] = []

    def __init__(self, *, name: str, options: dict[str, Any], client: object) -> None:
        if options.get("retries") == 99:
            raise ValueError(f"refusing {options['token'].reveal()}")
        self.name, self.options, self.client = name, options, client

    def close(self) -> None:
        TokenDriver.closed.append(self.name)


@pytest.fixture
def registry() -> Iterator[DriverRegistry]:
    registry = DriverRegistry(BUILTIN_DRIVERS)
    registry.register("token", TokenDriver)
    TokenDriver.closed.clear()
    yield registry


def document(**endpoints: Any) -> dict[str, Any]:
    return {
        "apiVersion": "ferry/v1",
        "kind": "Connections",
        "metadata": {"name": "t"},
        "endpoints": endpoints,
    }


def test_schema_is_valid_documented_and_closed() -> None:
    schema = jsonio.loads(SCHEMA_PATH.read_bytes())
    Draft202012Validator.check_schema(schema)
    assert schema["$id"] == "https://ferry.dev/schemas/connections.v1.json"
    validator = Draft202012Validator(schema)
    for example in schema["examples"]:
        validator.validate(example)
    for name, definition in schema["$defs"].items():
        assert definition.get("description") and definition.get("examples"), name
        if definition.get("type") == "object" and name not in OPEN_OBJECTS:
            assert definition.get("additionalProperties") is False, name
    assert schema["additionalProperties"] is False
    bad = document(zuora={"driver": "zuora", "optoins": {}})
    assert [e.validator for e in validator.iter_errors(bad)] == ["additionalProperties"]


def test_builds_drivers_resolving_secrets_and_paths(
    registry: DriverRegistry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "data").mkdir()
    monkeypatch.setenv("FERRY_T_TOKEN", "tok-123456")
    monkeypatch.setenv("FERRY_T_URL", "http://127.0.0.1:9")
    data = document(
        api={
            "driver": "token",
            "options": {"base_url": "${env:FERRY_T_URL}", "token": "${env:FERRY_T_TOKEN}"},
        },
        export={"driver": "files", "options": {"path": "data", "format": "csv"}},
    )
    drivers = build_endpoints(data, tmp_path, registry)
    api = drivers["api"]
    assert isinstance(api, TokenDriver)
    assert api.name == "api" and api.client is None
    assert api.options["base_url"] == "http://127.0.0.1:9"
    assert isinstance(api.options["token"], Secret)
    assert api.options["token"].reveal() == "tok-123456"
    export = drivers["export"]
    assert isinstance(export, FilesDriver) and export.folder == (tmp_path / "data").resolve()


def test_literal_secret_is_a_located_problem_without_the_value(registry: DriverRegistry) -> None:
    data = document(
        api={"driver": "token", "options": {"base_url": "http://x", "token": "literal-s3cret"}}
    )
    with pytest.raises(SpecError) as caught:
        build_endpoints(data, Path(), registry)
    [problem] = caught.value.problems
    assert problem.code == "connections.literal-secret"
    assert problem.json_path == "$.endpoints.api.options.token"
    assert "literal-s3cret" not in str(caught.value)
    assert problem.hint == "write ${env:API_TOKEN} and set that variable"


def test_option_schema_problems_are_all_reported(registry: DriverRegistry) -> None:
    data = document(
        api={"driver": "token", "options": {"base_url": 5, "token": 12345678, "retris": 1}},
        other={"driver": "zuoar"},
    )
    problems = check_endpoints(data, registry, source="conn.yaml")
    paths = sorted(p.json_path for p in problems)
    assert paths == [
        "$.endpoints.api.options",
        "$.endpoints.api.options.base_url",
        "$.endpoints.api.options.token",
        "$.endpoints.api.options.token",
        "$.endpoints.other.driver",
    ]
    text = "\n".join(p.render() for p in problems)
    assert "12345678" not in text  # a secret option's bad value is never echoed
    assert "did you mean 'zuora'" in text
    assert "known options: base_url, retries, token" in text
    assert all(p.location.file == "conn.yaml" for p in problems)


def test_missing_variables_are_all_named_and_built_drivers_closed(
    registry: DriverRegistry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FERRY_T_TOKEN", "tok-123456")
    monkeypatch.delenv("FERRY_T_MISSING_A", raising=False)
    monkeypatch.delenv("FERRY_T_MISSING_B", raising=False)
    token = {"base_url": "http://x"}
    data = document(
        good={"driver": "token", "options": {**token, "token": "${env:FERRY_T_TOKEN}"}},
        bad_a={"driver": "token", "options": {**token, "token": "${env:FERRY_T_MISSING_A}"}},
        bad_b={"driver": "token", "options": {**token, "token": "${env:FERRY_T_MISSING_B}"}},
    )
    with pytest.raises(ConfigError) as caught:
        build_endpoints(data, tmp_path, registry)
    assert "FERRY_T_MISSING_A" in str(caught.value) and "FERRY_T_MISSING_B" in str(caught.value)
    assert "bad_a.token" in str(caught.value)
    assert TokenDriver.closed == ["good"]


def test_a_failing_driver_constructor_is_a_config_error_without_secrets(
    registry: DriverRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FERRY_T_TOKEN", "tok-abcdef")
    data = document(
        api={
            "driver": "token",
            "options": {"base_url": "http://x", "token": "${env:FERRY_T_TOKEN}", "retries": 99},
        }
    )
    with pytest.raises(ConfigError, match="endpoint 'api': driver could not start") as caught:
        build_endpoints(data, Path(), registry)
    assert "tok-abcdef" not in str(caught.value)


BAD_OPTIONS = """\
apiVersion: ferry/v1
kind: Connections
metadata: {name: t}
endpoints:
  zuora:
    driver: zuora
    options:
      base_url: "http://127.0.0.1:8081"
      client_id: "${env:ZUORA_CLIENT_ID}"
      client_secret: "${env:ZUORA_CLIENT_SECRET}"
      retires: 3
"""


def test_validate_names_a_bad_driver_option_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The driver checks live in the run stage (engine.run.validation); `ferry validate` still
    runs them and places the problem in the file (on the options block, whose key is unknown)."""
    from engine.cli import main
    from engine.exitcodes import EXIT_INVALID

    path = tmp_path / "connections.yaml"
    path.write_text(BAD_OPTIONS)

    code = main(["validate", str(path)])

    out = capsys.readouterr()
    assert code == EXIT_INVALID
    assert out.out.startswith(f"{path}:8:7: endpoint 'zuora'")
    assert "retires" in out.out
    assert "1 problem(s) in 1 file(s)" in out.err


def test_a_sound_connections_file_validates(tmp_path: Path) -> None:
    from engine.cli import main

    path = tmp_path / "connections.yaml"
    path.write_text(BAD_OPTIONS.replace("      retires: 3\n", ""))

    assert main(["validate", str(path)]) == 0


@pytest.mark.parametrize("name", sorted(BUILTIN_DRIVERS))
def test_a_builtin_drivers_options_schema_is_a_valid_schema(name: str) -> None:
    """A run trusts the built-in drivers' schemas (constants) without checking them itself:
    this is where they are checked."""
    Draft202012Validator.check_schema(DriverRegistry(BUILTIN_DRIVERS).get(name).options_schema)


class BrokenSchemaDriver(TokenDriver):
    """A plugin driver whose options schema is not a JSON Schema."""

    options_schema: ClassVar[dict[str, Any]] = {"type": "objekt"}


def test_a_plugin_drivers_invalid_options_schema_is_a_problem(registry: DriverRegistry) -> None:
    registry.register("broken", BrokenSchemaDriver)
    data = document(api={"driver": "broken", "options": {"base_url": "x", "token": "${env:T}"}})

    problems = check_endpoints(data, registry, source="conn.yaml")

    assert [p.code for p in problems] == ["connections.driver-schema"]
    assert "options_schema is invalid" in problems[0].message


def test_builtin_driver_options_judged_quickly_or_not_give_the_same_problems() -> None:
    """Sound options pass the quick check; unsound ones get jsonschema's located problems."""
    registry = DriverRegistry(BUILTIN_DRIVERS)
    sound = {"base_url": "http://h", "client_id": "i", "client_secret": "${env:S}"}
    bad = {**sound, "timeout": 0, "page_size": "50"}

    assert check_endpoints(document(z={"driver": "zuora", "options": sound}), registry) == []
    problems = check_endpoints(document(z={"driver": "zuora", "options": bad}), registry)
    assert sorted(p.json_path for p in problems) == [
        "$.endpoints.z.options.page_size",
        "$.endpoints.z.options.timeout",
    ]
