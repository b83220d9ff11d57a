"""Ferry's pytest plugin (entry point ``pytest11``): fixtures for snapshotting mappings.

Why a plugin: a consultant's repository should guard what its mappings send with a three-line
test, without knowing how Ferry loads, compiles or renders::

    def test_customer_payloads(ferry_render, snapshot_json):
        assert ferry_render("mappings/customer.yaml", "fixtures/accounts.yaml") == snapshot_json

Fixtures:

``ferry_plan(spec, *, settings=None, **setting_overrides) -> Plan``
    the compiled Plan, for tests that call ``plan.render`` / ``plan.evaluate`` themselves.
``ferry_render(spec, records, *, settings=None, mode="create", destinations=None,
explain=False, **setting_overrides) -> list[dict]``
    one result per record, exactly what ``ferry render`` prints (``engine.compile.preview``).
``snapshot_json``
    syrupy's ``snapshot`` writing one readable ``.json`` file per assertion; defined only when
    the syrupy plugin is active.

Paths are relative to pytest's rootdir (where the consultant's ``pyproject.toml`` or
``pytest.ini`` is), never to the directory pytest was started from, and specs are loaded from
the rootdir so error messages name ``mappings/customer.yaml:12:5`` the way ``ferry render``
does from the repository root. A spec or fixture error fails the test with Ferry's located
message and no traceback: the traceback would show the plugin, not the consultant's mistake.

Snapshots are safe from two accidents. A test whose spec failed to load never reached its
snapshot assertion; syrupy would call its snapshots unused, and ``--snapshot-update`` would
delete them, so such a test is reported to syrupy as not run (it still fails). And
``snapshot_json`` leaves the line and column out of error results (``engine.snapshots``), so
adding a comment above ``fields:`` does not fail every snapshot that holds an error.

Why the imports are inside the functions: pytest imports every installed plugin on every run,
in every project of the environment, so loading this module must cost (almost) nothing; the
engine is imported the first time a Ferry fixture is used.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NoReturn, Protocol

import pytest

if TYPE_CHECKING:
    from syrupy.assertion import SnapshotAssertion

    from engine.check.settings import Settings
    from engine.compile.plan import Plan

PathLike = str | os.PathLike[str]
RecordsArg = PathLike | Iterable[Mapping[str, Any]]

OVERRIDES_FILE = "<setting overrides>"

# Tests (node ids) that failed because a spec, settings or fixture file did not load.
_UNLOADED = pytest.StashKey[set[str]]()


class PlanFactory(Protocol):
    """The ``ferry_plan`` fixture's type, for consultants who annotate their tests."""

    def __call__(
        self, spec: PathLike, *, settings: Settings | PathLike | None = None, **overrides: Any
    ) -> Plan: ...


class RenderFunction(Protocol):
    """The ``ferry_render`` fixture's type, for consultants who annotate their tests."""

    def __call__(
        self,
        spec: PathLike,
        records: RecordsArg,
        *,
        settings: Settings | PathLike | None = None,
        mode: Literal["create", "update"] = "create",
        destinations: RecordsArg | None = None,
        explain: bool = False,
        **overrides: Any,
    ) -> list[dict[str, Any]]: ...


def _fail(message: str) -> NoReturn:
    """Fail the test with ``message`` alone: no traceback, and no "during handling of the above
    exception" chain (the chain would repeat the message and show the plugin's internals)."""
    raise pytest.fail.Exception(message, pytrace=False) from None


class _Workspace:
    """The consultant's repository as pytest sees it: paths resolve against the rootdir."""

    def __init__(self, request: pytest.FixtureRequest) -> None:
        self.root = request.config.rootpath
        self._config = request.config
        self._test = request.node.nodeid

    def fail(self, message: str) -> NoReturn:
        """Fail the test, and remember that it never got to its snapshots."""
        self._config.stash.setdefault(_UNLOADED, set()).add(self._test)
        _fail(message)

    def shown(self, value: PathLike) -> Path:
        """The path to load: relative to the rootdir when inside it, so messages read well."""
        path = Path(value)
        if not path.is_absolute():
            return path
        with contextlib.suppress(ValueError):
            return path.relative_to(self.root)
        return path

    @contextlib.contextmanager
    def located(self) -> Iterator[None]:
        """Work from the rootdir; Ferry's errors become a plain, located test failure."""
        from engine.errors import FerryError, SpecError

        message = None
        try:
            with contextlib.chdir(self.root):
                yield
        except SpecError as exc:  # every problem, best first: the first line is the summary
            message = "\n".join(p.render() for p in exc.problems)
        except FerryError as exc:
            message = str(exc)
        if message is not None:
            self.fail(message)

    def records(self, value: RecordsArg) -> list[dict[str, Any]]:
        """Records from a file (.yaml, .json, .jsonl) or given inline; call inside ``located``."""
        from engine.load.records import read_records

        if isinstance(value, (str, os.PathLike)):
            return list(read_records(self.shown(value)))
        return [dict(record) for record in value]


def _check_overrides(overrides: Mapping[str, Any]) -> None:
    """Validate overrides as a Settings file would be, so a misspelt setting name fails the
    test with "did you mean" instead of silently rendering the defaults."""
    import msgspec

    from engine import jsonio
    from engine.check.specfile import check_document
    from engine.errors import Location, SpecError
    from engine.load.source import load_text

    document = {
        "apiVersion": "ferry/v1",
        "kind": "Settings",
        "metadata": {"name": "overrides", "version": 1},
        "settings": dict(overrides),
    }
    text = jsonio.dumps_str(document, pretty=True, default_repr=True)
    _doc, problems = check_document(load_text(text, OVERRIDES_FILE), Path(OVERRIDES_FILE))
    if problems:  # a line in the generated text would mean nothing to the reader: drop it
        raise SpecError(
            [msgspec.structs.replace(p, location=Location(OVERRIDES_FILE)) for p in problems]
        )


def _compile(
    workspace: _Workspace,
    spec: PathLike,
    settings: Settings | PathLike | None,
    overrides: Mapping[str, Any],
) -> Plan:
    from engine import Settings, compile_mapping, settings_for
    from engine.check.specfile import load_document
    from engine.transforms import InMemorySequenceStore

    chosen: Settings | Path | None
    if isinstance(settings, Settings) or settings is None:
        chosen = settings
    else:
        chosen = workspace.shown(settings)
    with workspace.located():
        doc = load_document(workspace.shown(spec), kind="Mapping")
        base = settings_for(doc, chosen)
        if overrides:
            _check_overrides(overrides)
            base = base.replace(**overrides)
        # A fresh throw-away store: sequence-numbered fields start at their `start` in every
        # test, so snapshots do not depend on test order.
        return compile_mapping(doc, base, sequences=InMemorySequenceStore())
    raise AssertionError("unreachable: located() fails the test")  # pragma: no cover


@pytest.fixture
def ferry_plan(request: pytest.FixtureRequest) -> PlanFactory:
    """Compile a Mapping spec (paths relative to the rootdir) with its own settings file,
    another one (``settings=``), and keyword overrides of single settings."""
    workspace = _Workspace(request)

    def build(
        spec: PathLike, *, settings: Settings | PathLike | None = None, **overrides: Any
    ) -> Plan:
        return _compile(workspace, spec, settings, overrides)

    return build


@pytest.fixture
def ferry_render(request: pytest.FixtureRequest) -> RenderFunction:
    """Render fixture records through a mapping, offline, into the results ``ferry render``
    prints: ``{"key", "action": "render", "payload"}``, ``{"key", "action": "skip", "reason",
    "guard"}`` or ``{"key", "action": "error", "error"}``, in record order.

    ``mode="update"`` renders the update payload; ``destinations`` (a file or records) are the
    current destination records, each paired with a source record by the mapping's
    ``identity.match``, for guards and templates that read ``destination``.
    """
    workspace = _Workspace(request)

    def render(
        spec: PathLike,
        records: RecordsArg,
        *,
        settings: Settings | PathLike | None = None,
        mode: Literal["create", "update"] = "create",
        destinations: RecordsArg | None = None,
        explain: bool = False,
        **overrides: Any,
    ) -> list[dict[str, Any]]:
        from engine.compile.preview import render_records

        if mode not in ("create", "update"):
            workspace.fail(f"ferry_render: mode must be 'create' or 'update', got {mode!r}")
        plan = _compile(workspace, spec, settings, overrides)
        with workspace.located():
            rows = workspace.records(records)
            current = workspace.records(destinations) if destinations is not None else []
            _warn_unresolved_paths(workspace.shown(spec), rows)
            return render_records(plan, rows, mode, destinations=current, with_explain=explain)
        raise AssertionError("unreachable: located() fails the test")  # pragma: no cover

    return render


class FerryPathWarning(UserWarning):
    """A path the mapping reads was in none of the fixture records, which carry a near name
    (most likely a typo: ``billTo.workEmial`` next to ``workEmail``)."""


def _warn_unresolved_paths(spec: Path, rows: list[dict[str, Any]]) -> None:
    import warnings

    from engine.check.pathhints import PathUsage
    from engine.check.specfile import load_document

    doc = load_document(spec, kind="Mapping")
    usage = PathUsage(doc.mapping, doc.source)
    for row in rows:
        usage.see(row)
    for problem in usage.warnings():
        warnings.warn(FerryPathWarning(problem.render()), stacklevel=3)


class _SnapshotFixtures:
    """Fixtures and hooks that need syrupy; registered by ``pytest_configure`` only when it is
    active."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    @pytest.fixture
    def snapshot_json(self, snapshot: SnapshotAssertion) -> SnapshotAssertion:
        """syrupy's ``snapshot``, one ``.json`` file per assertion: payloads diff line by line
        in a pull request, and ``matcher=path_type(...)`` scrubs volatile values by path.
        Error results are written without the spec's line and column."""
        from engine.snapshots import FerryJSONExtension

        return snapshot.use_extension(FerryJSONExtension)

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """After syrupy has recorded the outcome: a test that failed because its spec did not
        load is recorded as not run, so its snapshots are kept, not reported unused (and not
        deleted by ``--snapshot-update``). pytest still reports the failure."""
        if report.when == "teardown" or not report.failed:
            return
        if report.nodeid not in self.config.stash.get(_UNLOADED, set()):
            return
        session = getattr(self.config, "_syrupy", None)  # syrupy's session; no public handle
        if session is not None:
            session.ran_item(report.nodeid, "skipped")


def pytest_configure(config: pytest.Config) -> None:
    """Offer ``snapshot_json`` when syrupy's plugin is loaded (installed and not disabled)."""
    if config.pluginmanager.has_plugin("syrupy"):
        config.pluginmanager.register(_SnapshotFixtures(config), "ferry-snapshot-fixtures")
