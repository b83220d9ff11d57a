"""Checks that stop a run before it writes anything, when the configuration would lose data.

Why: a run that starts writing and then meets refused credentials on another endpoint leaves
half a sync behind, so every endpoint the mappings use is authenticated first. And some
mistakes are silent at the destination. With NetSuite's Auto-Generated Numbers on and
"Allow Override" off, a customer number Ferry sends is replaced without an error; with "Update"
off, later updates of the number fail record by record. The settings file declares how the
destination numbers records, so the run can refuse up front with one clear message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.compile.plan import Plan
from engine.run.drivers.base import Driver
from engine.run.sync.failures import credential_problems
from engine.run.sync.project import Project

NUMBERING_PATH = "Setup > Company > Auto-Generated Numbers"


def _numbering_problems(plan: Plan, numbering: Mapping[str, Any], number_field: str) -> list[str]:
    config = numbering.get(plan.destination_object)
    if not config or not config.get("enabled"):
        return []
    field = next((f for f in plan.fields if f.to == number_field), None)
    if field is None or field.destination_assigned:
        return []
    where = f"{plan.name} ({field.location})"
    problems = []
    if not config.get("allow_override"):
        problems.append(
            f"{where} sends {plan.destination_object}.{number_field}, but the destination "
            f"auto-numbers {plan.destination_object} records without Allow Override, so the "
            f"numbers sent would be silently replaced. Enable Allow Override in {NUMBERING_PATH}"
            f" (and set destination_numbering.{plan.destination_object}.allow_override: true),"
            " or let the destination number them (account_number_mapping: "
            "destination_auto_number)"
        )
    if (
        plan.behavior == "new_and_modified"
        and field.write in ("always", "update")
        and not config.get("allow_update")
    ):
        problems.append(
            f"{where} updates {plan.destination_object}.{number_field} on later syncs, but the "
            f"destination does not allow updating auto-generated numbers. Enable Update in "
            f"{NUMBERING_PATH} (destination_numbering.{plan.destination_object}.allow_update: "
            "true), or stop updating the number (account_number_update: deny)"
        )
    return problems


def preflight(project: Project, endpoints: Mapping[str, Driver]) -> list[str]:
    """Every reason not to start: credentials an endpoint refuses (or an endpoint that cannot be
    reached) and destination numbering the mappings would fight. (Values that must be unique but
    are not refuse only their records: ``unique.py``.)"""
    used = (name for p in project.plans for name in (p.source_endpoint, p.destination_endpoint))
    problems = credential_problems(list(dict.fromkeys(used)), endpoints)
    if problems:
        return problems  # the other checks read the endpoints: they would fail the same way
    numbering = project.settings.numbering
    for plan in project.plans:
        destination = endpoints[plan.destination_endpoint]
        field = destination.capabilities.number_fields.get(plan.destination_object)
        if field:
            problems += _numbering_problems(plan, numbering, field)
    return problems
