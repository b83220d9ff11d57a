"""The facts of a template read without Jinja (``engine.language.chain_templates``) must be
the ones Jinja's analysis finds, for every text it answers for; it must answer for the
shipped mappings' templates; and a first run of the shipped folder (an empty disk cache) must
not import Jinja at all."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.language import chain_templates, template_jinja
from engine.language.template_facts import TemplateProblem
from tests.compiler.test_template_tree_reuse import SHIPPED
from tests.conftest import ROOT

# Names of every kind: ordinary ones, keywords, literals and globals Jinja reads its own way,
# private ones, non-ASCII ones, and pieces that are no name at all.
_NAMES = st.sampled_from(
    [
        *("record", "settings", "parents", "run", "destination", "id", "a", "b2", "x_y"),
        *("items", "get", "keys", "true", "True", "none", "None", "false", "and", "or"),
        *("not", "in", "is", "if", "else", "self", "loop", "range", "dict", "namespace"),
        *("lipsum", "for", "import", "match", "_a", "__class__", "é", "2a", "a-b", ""),
    ]
)
_LINKS = st.sampled_from(
    [
        *(".", ". ", " .", "..", "[0]", "['a']", "|upper", " ~ ", " + ", " if ", " else "),
        *(" == ", " != ", "==", " < ", " and ", " if not ", " is ", " 'x' ", "'", "\\"),
        " if 'a\\'b' ",
    ]
)
_CHAINS = st.builds(
    lambda first, rest: first + "".join(link + name for link, name in rest),
    _NAMES,
    st.lists(st.tuples(_LINKS, _NAMES), max_size=3),
)
_OPEN = st.sampled_from(["{{", "{{ ", "{{  ", "{{-", "{{- ", "{{\n", "{%", "{#", "{ {"])
_CLOSE = st.sampled_from(["}}", " }}", "  }}", "-}}", " -}}", "\n}}", "%}", "#}", "} }"])
_TAGS = st.builds(lambda o, c, e: o + c + e, _OPEN, _CHAINS, _CLOSE)
_TEXTS = st.sampled_from(
    ["zuora-", "-", " ", "a b", "#", "%", "{", "}", "\n", "\r\n", "\t", "é", "~", "|", "x\n"]
)
_TEMPLATES = st.lists(st.one_of(_TAGS, _TEXTS), max_size=5).map("".join)

# Texts in the grammar (their names none of the reserved ones): every one must be read
# without Jinja.
_PARTS = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,6}", fullmatch=True).filter(
    lambda part: part not in chain_templates.RESERVED
)
_OPERANDS = st.one_of(
    st.lists(_PARTS, min_size=1, max_size=4).map(".".join),
    st.from_regex(r"'[a-zA-Z0-9 :/_.,;\"()<>=!?@$&*+\-]{0,6}'", fullmatch=True),
)
_SPACES = st.sampled_from([" ", "  "])
_CHOICES = st.builds(
    lambda then, test, compared, otherwise, space: (
        then
        + space
        + "if "
        + test
        + (f"{space}{compared[0]}{space}{compared[1]}" if compared else "")
        + (f" else{space}{otherwise}" if otherwise else "")
    ),
    _OPERANDS,
    _OPERANDS,
    st.none() | st.tuples(st.sampled_from(["==", "!="]), _OPERANDS),
    st.none() | _OPERANDS,
    _SPACES,
)
_IN_GRAMMAR = st.lists(
    st.one_of(
        st.builds(
            lambda before, expression, after: "{{" + before + expression + after + "}}",
            st.sampled_from(["", " ", "  "]),
            st.one_of(_OPERANDS, _CHOICES),
            st.sampled_from(["", " ", "  "]),
        ),
        st.from_regex(r"[a-zA-Z0-9 :/_.,;'\"()<>=!?@$&*+\-]{1,8}", fullmatch=True),
    ),
    max_size=5,
).map("".join)


def _same_as_jinja(text: str) -> bool:
    """Whether the text was read without Jinja; when it was, its facts are Jinja's."""
    ours = chain_templates.facts(text)
    if ours is None:
        return False
    try:
        jinjas = template_jinja.analyse(text)
    except TemplateProblem as exc:  # pragma: no cover - the failure the test looks for
        pytest.fail(f"read {text!r} without Jinja, which refuses it: {exc}")
    assert ours == jinjas, text
    assert ours.kept() == jinjas.kept(), text
    return True


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_TEMPLATES)
def test_any_text_read_without_jinja_has_jinjas_facts(text: str) -> None:
    _same_as_jinja(text)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_IN_GRAMMAR)
def test_a_text_in_the_grammar_is_read_without_jinja(text: str) -> None:
    assert _same_as_jinja(text), text


@pytest.mark.parametrize("text", SHIPPED)
def test_every_shipped_template_is_read_without_jinja(text: str) -> None:
    assert _same_as_jinja(text)


@pytest.mark.parametrize(
    "text",
    [
        "{{ record.id }}\n",  # Jinja drops a last line break
        "a\r\nb{{ record.id }}",  # and rewrites this one
        "{{- record.id }}",
        "{{ record.id|upper }}",
        "{{ record['id'] }}",
        "{{ record._private }}",
        "{{ record.__class__ }}",
        "{{ self }}",
        "{{ range }}",
        "{{ true }}",
        "{{ record.if }}",
        "{% if x %}a{% endif %}",
        "{# note #}",
        "# {{ record.id }}",
        "50% {{ record.id }}",
        "{{ record.id }",
        "{ {{ record.id }} }",
        "{{ reçord.id }}",
        "{{ " + ".".join(["record"] * 20) + " }}",
        "{{ record.a if record.b < 'x' }}",
        "{{ record.a if record.b == 'x' else record.c if record.d else 'y' }}",
        "{{ record.a if not record.b }}",
        "{{ record.a if record.b == 1 }}",
        "{{ 'a\\'b' }}",
        "{{ 'x' if record.if }}",
        '{{ "x" }}',
        "{{ record.a ~ 'x' }}",
        "{{}}",
        "{{ record.a record.b }}",
        "{{ record.a if }}",
        "{{ " + "a" * 60 + "' }}",  # no time lost splitting the word
    ],
)
def test_near_misses_are_left_to_jinja(text: str) -> None:
    assert chain_templates.facts(text) is None


PROBE = """
import json, sys
from engine.cli import main
code = main(sys.argv[1:])
print(json.dumps([code, sorted(m for m in sys.modules if m.split(".")[0] == "jinja2")]))
"""


def test_a_first_validate_of_the_shipped_folder_never_imports_jinja(tmp_path: Path) -> None:
    folder = ROOT / "mappings" / "zuora-netsuite"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "validate", str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "FERRY_CACHE_DIR": str(tmp_path / "empty-cache")},
    )
    code, modules = json.loads(done.stdout.strip().splitlines()[-1])

    assert code == 0, done.stderr
    assert modules == []
