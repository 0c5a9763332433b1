"""The workflow's transition table, the one function that moves a request between states (with its
audit event and email), and the policy-check hook."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Any

from accounts.roles import organisation_id_of, role_of, supplier_id_of

from .errors import FieldError, NotAllowedError, TransitionError
from .flightplan import build_flight_plan, plan_supplier
from .models import (
    AuditEvent,
    Flight,
    FlightRequest,
    FlightStatus,
    PolicyOutcome,
    RequestStatus,
    Role,
)
from .notifications import notify_transition
from .signals import request_transitioned
from .signoff import finding_facts

S = RequestStatus
BEFORE_FLIGHT = frozenset(
    {
        S.DRAFT,
        S.SUBMITTED,
        S.REFERRED,
        S.BLOCKED,
        S.REFUSED,
        S.APPROVED,
        S.ORDERED,
        S.CONFIRMED,
        S.SCHEDULED,
    }
)


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    targets: frozenset[str]
    roles: frozenset[str]
    reason_required: bool = False


def _t(sources, targets, roles, reason_required: bool = False) -> Transition:
    return Transition(
        frozenset(sources), frozenset(targets), frozenset({*roles, Role.ADMIN}), reason_required
    )


REQ, POL, PROC, CON = Role.REQUESTER, Role.POLICY_OFFICER, Role.PROCUREMENT, Role.CONTRACTOR

#: action -> where it may start, where it may end, who may take it.
TRANSITIONS: dict[str, Transition] = {
    "submit": _t({S.DRAFT}, {S.SUBMITTED}, {REQ}),
    "policy_check": _t({S.SUBMITTED}, {S.APPROVED, S.REFERRED, S.BLOCKED}, {REQ}),
    "approve": _t({S.REFERRED}, {S.APPROVED}, {POL}),
    "refuse": _t({S.REFERRED}, {S.REFUSED}, {POL}, reason_required=True),
    "revise": _t({S.BLOCKED, S.REFUSED}, {S.DRAFT}, {REQ}),
    "order": _t({S.APPROVED}, {S.ORDERED}, {PROC}),
    "accept": _t({S.ORDERED}, {S.CONFIRMED}, {CON}),
    "decline": _t({S.ORDERED}, {S.ORDERED, S.APPROVED}, {CON}, reason_required=True),
    "schedule": _t({S.CONFIRMED}, {S.SCHEDULED}, {CON, PROC}),
    "reschedule": _t({S.SCHEDULED}, {S.SCHEDULED}, {CON, PROC, REQ}, reason_required=True),
    "approve_flight": _t({S.SCHEDULED}, {S.SCHEDULED}, {POL}),
    "refuse_flight": _t({S.SCHEDULED}, {S.CONFIRMED}, {POL}, reason_required=True),
    "preflight_check": _t({S.SCHEDULED}, {S.SCHEDULED}, {CON}),
    "record_flight": _t({S.SCHEDULED}, {S.FLOWN}, {CON}),
    "deliver": _t({S.FLOWN, S.REWORK}, {S.DELIVERED}, {CON}),
    "accept_delivery": _t({S.DELIVERED}, {S.COMPLETED}, {REQ}),
    "return_delivery": _t({S.DELIVERED}, {S.REWORK}, {REQ}, reason_required=True),
    "cancel": _t(BEFORE_FLIGHT, {S.CANCELLED}, {REQ, PROC}, reason_required=True),
}


def reachable_from(state: str) -> frozenset[str]:
    """Every state a request in `state` can reach through the table (`state` itself included)."""
    seen, todo = {state}, [state]
    while todo:
        current = todo.pop()
        for transition in TRANSITIONS.values():
            if current in transition.sources:
                for target in transition.targets - seen:
                    seen.add(target)
                    todo.append(target)
    return frozenset(seen)


#: Actions the workflow takes by itself in the same call as another (submit runs the policy check).
AUTOMATIC_ACTIONS = frozenset({"policy_check"})


def _shortest(start: str, goal: str) -> list[str]:
    paths, seen = [[start]], {start}
    while paths:
        path = paths.pop(0)
        if path[-1] == goal:
            return path
        for action in sorted(TRANSITIONS):
            transition = TRANSITIONS[action]
            if path[-1] in transition.sources:
                for target in sorted(transition.targets - seen):
                    seen.add(target)
                    paths.append([*path, target])
    raise ValueError(f"no way from {start} to {goal} in the transition table")


def happy_path(*, via: tuple[str, ...] = ()) -> list[str]:
    """The states a request passes on the shortest way from draft to completed (through `via`, e.g. the
    officer's referral), without those it only passes through inside another action (submitted)."""
    stops = [S.DRAFT, *via, S.COMPLETED]
    path = [S.DRAFT]
    for start, goal in pairwise(stops):
        path += _shortest(start, goal)[1:]

    def automatic(state: str, nxt: str) -> bool:
        moves = [a for a, t in TRANSITIONS.items() if state in t.sources and nxt in t.targets]
        return bool(moves) and all(a in AUTOMATIC_ACTIONS for a in moves)

    return [state for i, state in enumerate(path)
            if i == 0 or i == len(path) - 1 or not automatic(state, path[i + 1])]


#: States with a way out: a request in any other state (completed, cancelled) is finished.
OPEN_STATES = frozenset(s for t in TRANSITIONS.values() for s in t.sources) - {S.COMPLETED, S.CANCELLED}
#: Once approved, for planners to read: everything approval leads to, except a cancellation.
APPROVED_ON = reachable_from(S.APPROVED) - {S.CANCELLED}


#: Actions on a scheduled request that only make sense while its flight awaits an officer's sign-off
#: (True) or only once it no longer does (False).
SIGNOFF_GATED = {"approve_flight": True, "refuse_flight": True, "record_flight": False}


def scheduled_flight(flight_request: FlightRequest) -> Flight | None:
    return (
        flight_request.flights.filter(status=FlightStatus.SCHEDULED).order_by("-created_at").first()
    )


def awaiting_signoff(flight_request: FlightRequest) -> bool:
    flight = scheduled_flight(flight_request)
    return flight is not None and flight.awaits_signoff


def allowed_actions(*, flight_request: FlightRequest, user: Any) -> list[str]:
    """Actions this user could take on the request now (for pages and the API)."""
    result = []
    awaiting = flight_request.status == S.SCHEDULED and awaiting_signoff(flight_request)
    for action, transition in TRANSITIONS.items():
        if action == "policy_check" or flight_request.status not in transition.sources:
            continue
        if action in SIGNOFF_GATED and SIGNOFF_GATED[action] != awaiting:
            continue
        try:
            check_actor(action=action, flight_request=flight_request, actor=user)
        except NotAllowedError:
            continue
        result.append(action)
    return result


def check_actor(*, action: str, flight_request: FlightRequest, actor: Any) -> None:
    """Role and relationship checks: requesters act for their organisation, contractors for the
    supplier holding the current order, and an officer never approves their own request."""
    transition = TRANSITIONS[action]
    role = role_of(actor)
    if role not in transition.roles:
        raise NotAllowedError(
            f"a {role or 'user without a role'} cannot {action.replace('_', ' ')} a request"
        )
    if role == Role.REQUESTER and organisation_id_of(actor) != flight_request.organisation_id:
        raise NotAllowedError("only the requesting organisation can do that")
    if role == Role.CONTRACTOR:
        order = flight_request.current_order
        if order is None or order.supplier_id != supplier_id_of(actor):
            raise NotAllowedError("only the supplier holding the current order can do that")
    if (
        action in {"approve", "refuse", "approve_flight", "refuse_flight"}
        and actor is not None
        and actor.pk == flight_request.requester_id
    ):
        raise NotAllowedError("the requester cannot approve or refuse their own request")


#: Actions about the work of the supplier holding the current order: `apply_transition` tags their audit
#: events with that supplier (AuditEvent.supplier), so other suppliers never read them. A decline names the
#: supplier that declined (`supplier=`): the current order is by then the next supplier's.
SUPPLIER_ACTIONS = frozenset(
    {"order", "accept", "schedule", "reschedule", "approve_flight", "refuse_flight",
     "preflight_check", "record_flight", "deliver", "accept_delivery", "return_delivery"}
)  # fmt: skip
CURRENT_SUPPLIER: Any = object()  # apply_transition's default: the current order's supplier for SUPPLIER_ACTIONS


def apply_transition(
    *,
    flight_request: FlightRequest,
    action: str,
    actor: Any,
    now: datetime,
    target: str | None = None,
    reason: str = "",
    data: dict | None = None,
    check: bool = True,
    message: str = "",
    supplier: Any = CURRENT_SUPPLIER,
) -> AuditEvent:
    """Move the request (already locked by the caller's transaction), write the audit event and queue
    the email (`message`: extra lines for it, e.g. the old and new times of a reschedule). Raises TransitionError for an illegal move, NotAllowedError for the wrong actor.
    `supplier`: the one supplier the event concerns (by default the current order's for SUPPLIER_ACTIONS, else
    None: every party to the request may read it)."""
    ensure_allowed(flight_request=flight_request, action=action, actor=actor, check=check)
    transition = TRANSITIONS[action]
    source = flight_request.status
    reason = (reason or "").strip()
    if transition.reason_required and not reason:
        raise FieldError("reason", f"a reason is required to {action.replace('_', ' ')}")
    if target is None:
        if len(transition.targets) != 1:
            raise ValueError(f"{action} needs an explicit target")
        (target,) = transition.targets
    if target not in transition.targets:
        raise ValueError(f"{action} cannot lead to {target}")
    flight_request.status = target
    flight_request.updated_at = now
    flight_request.save(update_fields=["status", "updated_at", "policy_outcome"])
    if supplier is CURRENT_SUPPLIER:
        order = flight_request.current_order if action in SUPPLIER_ACTIONS else None
        supplier = order.supplier_id if order is not None else None
    event = AuditEvent.objects.create(
        flight_request=flight_request,
        actor=actor if getattr(actor, "pk", None) else None,
        created_at=now,
        action=action,
        from_state=source,
        to_state=target,
        reason=reason,
        data=data or {},
        supplier_id=getattr(supplier, "pk", supplier),
    )
    request_transitioned.send(
        sender=FlightRequest, flight_request=flight_request, action=action, actor=actor, now=now,
        event=event,
    )  # fmt: skip
    if target != source or action in {"reschedule", "decline", "approve_flight"}:
        notify_transition(
            flight_request=flight_request, action=action, state=target, message=message,
            # a decline's reason is the declining supplier's: the email goes to the next supplier
            reason="" if action == "decline" else reason,
        )
    return event


def ensure_allowed(
    *, flight_request: FlightRequest, action: str, actor: Any, check: bool = True
) -> None:
    """Raise TransitionError when the request's state does not allow the action, NotAllowedError when
    this actor may not take it. Services call it before any other validation."""
    transition = TRANSITIONS[action]
    source = flight_request.status
    if source not in transition.sources:
        allowed = ", ".join(sorted(transition.sources))
        raise TransitionError(
            f"cannot {action.replace('_', ' ')} request {flight_request.reference}: it is {source}; "
            f"this action is allowed only when it is {allowed}",
            data={"status": source, "action": action},
        )
    if check:
        check_actor(action=action, flight_request=flight_request, actor=actor)


#: Rules about the supplier's evidence (operator, pilots, aircraft, insurance, operating category). At
#: submission no supplier is chosen yet, so their findings are shown as "to be evidenced" and decided at
#: scheduling, where the full plan is checked and a block refuses the schedule.
SUPPLIER_EVIDENCE_RULES = frozenset(
    {
        "REG-01",
        "REG-02",
        "REG-03",
        "REG-04",
        "REG-05",
        "REG-06",
        "INS-01",
        "INS-02",
        "INS-03",
        "TECH-01",
        "TECH-02",
        "TECH-03",
        "CAT-01",
        "CAT-02",
        "CAT-04",
        "CAT-06",
        "CAT-07",
        "CAT-08",
        "CAT-09",
        "CAT-10",
        "CAT-11",
        "GOV-01",
    }
)
SEVERITY_OUTCOME = (("block", PolicyOutcome.BLOCKED), ("approval", PolicyOutcome.NEEDS_APPROVAL))


def submission_outcome(findings: list[dict]) -> str:
    """The engine's outcome without the supplier-evidence findings (see SUPPLIER_EVIDENCE_RULES)."""
    severities = {
        f.get("severity") for f in findings if f.get("rule") not in SUPPLIER_EVIDENCE_RULES
    }
    for severity, outcome in SEVERITY_OUTCOME:
        if severity in severities:
            return outcome
    return PolicyOutcome.PASS


def run_policy_check(
    *, flight_request: FlightRequest, stage: str, now: datetime, flight: Flight | None = None
) -> tuple[str, dict]:
    """The hook into the policy engine: the policy app stores the check (`PolicyCheck`); this returns
    the outcome and a summary for the audit trail. At submission the supplier-evidence findings are
    deferred to scheduling (the summary lists them under `deferred`)."""
    from policy.services import (
        check_flight_request,  # imported here: policy imports booking's models
    )

    plan = build_flight_plan(flight_request=flight_request, flight=flight)
    # Whose records (operator, insurance, pilot, aircraft) the plan holds: only they, of the suppliers,
    # may read the stored check.
    holder = plan_supplier(flight_request=flight_request, flight=flight or scheduled_flight(flight_request))
    try:
        result = check_flight_request(
            flight_request=flight_request, plan=plan, stage=stage, now=now,
            supplier_id=holder.pk if holder is not None and "operator" in plan else None,
        )
    except (
        ValueError
    ) as exc:  # policy.core.PlanError: the request holds something the engine cannot read
        raise FieldError(
            getattr(exc, "field", None) or "area", f"the policy engine cannot read the plan: {exc}"
        ) from exc
    findings = [
        {
            "rule": f.get("rule"),
            "severity": f.get("severity"),
            "message": f.get("message"),
            "facts": finding_facts(f),
        }
        for f in (result.findings or [])
        if f.get("severity") in {"block", "approval"}
    ]
    outcome = result.outcome
    summary = {
        "stage": stage,
        "outcome": outcome,
        "engine_outcome": result.outcome,
        "policy_check_id": result.pk,
        "findings": findings,
    }
    if stage == "submission":
        outcome = submission_outcome(list(result.findings or []))
        summary["outcome"] = outcome
        summary["deferred"] = sorted(
            {f["rule"] for f in findings if f["rule"] in SUPPLIER_EVIDENCE_RULES}
        )
    return outcome, summary
