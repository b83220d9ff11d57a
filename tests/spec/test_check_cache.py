"""The verdict "the schema and meaning checks found nothing", kept on disk between processes
(``engine.check.specfile``, ``engine.diskcache``): read back only for the same text, the same
Ferry and the same installed transform plugins."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from engine.check.catalog import SHIPPED_DIR
from tests.conftest import FERRY, ZUORA_CUSTOMER_HEADER, cache_rows
from tests.infra.test_connections import BAD_OPTIONS
from tests.transforms.test_transform_plugins import MODULE, install_by_hand

SLUGGED = ZUORA_CUSTOMER_HEADER + "  - {to: externalId, from: name, transforms: [slugify]}\n"


def _validate(
    spec: Path, cache: Path, site: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FERRY_CACHE_DIR": str(cache)}
    if site is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(site), env.get("PYTHONPATH", "")])
    return subprocess.run(
        [*FERRY, "validate", str(spec)], env=env, capture_output=True, text=True, timeout=120
    )


def _verdicts(cache: Path) -> int:
    return len(cache_rows(cache, "checked"))


def test_a_kept_verdict_never_outlives_the_plugin_it_depended_on(tmp_path: Path) -> None:
    site, cache = tmp_path / "site", tmp_path / "cache"
    site.mkdir()
    spec = tmp_path / "slugged.yaml"
    spec.write_text(SLUGGED)
    refused = _validate(spec, cache, site)
    assert refused.returncode == 1 and "slugify" in refused.stdout + refused.stderr
    assert _verdicts(cache) == 0  # a document with problems: nothing kept
    install_by_hand(site)
    assert _validate(spec, cache, site).returncode == 0
    assert _validate(spec, cache, site).returncode == 0  # read back
    assert _verdicts(cache) == 1
    shutil.rmtree(site / MODULE)
    for info in site.glob("*.dist-info"):
        shutil.rmtree(info)
    again = _validate(spec, cache, site)
    assert again.returncode == 1 and "slugify" in again.stdout + again.stderr


def test_a_changed_text_is_checked_again(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    spec = tmp_path / "customer.yaml"
    field = "  - {to: companyName, from: name, %stransforms: [{truncate: {length: 83}}]}\n"
    spec.write_text(ZUORA_CUSTOMER_HEADER + field % "")
    assert _validate(spec, cache).returncode == 0
    assert _verdicts(cache) == 1
    spec.write_text(ZUORA_CUSTOMER_HEADER + field % "missing: maybe, ")
    broken = _validate(spec, cache)
    assert broken.returncode == 1 and "missing" in broken.stdout
    spec.write_text(ZUORA_CUSTOMER_HEADER + field % "")
    assert _validate(spec, cache).returncode == 0
    assert _verdicts(cache) == 1  # the first text's verdict, read back


def test_a_kept_catalog_verdict_never_outlives_the_catalog(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    (tmp_path / "mappings").mkdir()
    spec = tmp_path / "mappings" / "customer.yaml"
    spec.write_text(ZUORA_CUSTOMER_HEADER + "  - to: comments\n    from: Region__c\n")
    own = tmp_path / "catalogs" / "zuora"
    own.mkdir(parents=True)
    data = json.loads((SHIPPED_DIR / "zuora" / "account.json").read_text())
    data["origin"] = "pulled"
    data["fields"]["Region__c"] = {"type": "string", "custom": True, "maxLength": 255}
    catalog = own / "account.json"
    catalog.write_text(json.dumps(data))
    assert _validate(spec, cache).returncode == 0
    assert _validate(spec, cache).returncode == 0  # read back
    assert len(cache_rows(cache, "catalog-checked")) == 1
    before = catalog.stat()
    catalog.write_text(json.dumps(data).replace("Region__c", "Regiox__c"))  # the same size
    os.utime(catalog, ns=(before.st_atime_ns, before.st_mtime_ns))  # and the same time
    refused = _validate(spec, cache)
    assert refused.returncode == 1
    assert "no field 'Region__c' on Zuora account" in refused.stdout


CONNECTIONS = BAD_OPTIONS.replace("      retires: 3\n", "")  # sound, as in its own test


def test_a_kept_options_verdict_is_for_those_options_only(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    connections = tmp_path / "connections.yaml"
    connections.write_text(CONNECTIONS)
    assert _validate(connections, cache).returncode == 0
    assert _validate(connections, cache).returncode == 0  # read back
    assert len(cache_rows(cache, "options-checked")) == 1
    connections.write_text(BAD_OPTIONS)
    refused = _validate(connections, cache)
    assert refused.returncode == 1 and "retires" in refused.stdout
