"""The survey's life: one transition table for its two states, and the one function that moves them.

A survey has a review state (`Survey.status`: receiving → delivered / flagged → accepted / returned) and, apart
from it, the state of its map (`Survey.map_state`: none → building → ready / failed), so a flagged delivery still
shows whether its map was built. Every change goes through `survey_transition`, which checks the table and who
acts, saves the field and writes the action's audit event in the trail of the survey's request (as
`booking.transitions` does for requests).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from accounts.roles import Role, is_admin, is_operator, organisation_id_of, role_of

from .audit import survey_audit_record
from .errors import SurveyError
from .models import MapState, Survey, SurveyStatus
from .permissions import can_deliver

R, M = SurveyStatus, MapState

#: Who takes an action: the contractor of the survey's supplier, the requesting service (through its request:
#: booking's accept_delivery / return_delivery), the council's policy and procurement officers, or the system
#: (no user: the job engine reporting on a map, or an operator's management command such as the demo loader).
#: Job staff (`accounts.roles.is_operator`) cancel jobs. Administrators may take every action a user takes.
CONTRACTOR, REQUESTER, OFFICER, SYSTEM, JOB_STAFF = "contractor", "requester", "officer", "system", "job_staff"
REVIEW, MAP = "status", "map_state"
DELIVERED_STATES = frozenset({R.DELIVERED, R.FLAGGED, R.ACCEPTED, R.RETURNED})


@dataclass(frozen=True)
class Transition:
    field: str  # REVIEW or MAP: the state this action moves
    sources: frozenset[str]
    targets: frozenset[str]
    who: frozenset[str]
    audit: str | None  # the audit event it writes (None: the request's own transition event records it)
    audit_unchanged: bool = True  # also audit when the state stays the same (e.g. a map queued again)
    review: frozenset[str] | None = None  # a map action: the review states it is allowed in


def _t(field: str, sources, targets, who, audit: str | None, **options: Any) -> Transition:
    return Transition(field, frozenset(sources), frozenset(targets), frozenset(who), audit, **options)


ANY_MAP = {M.NONE, M.BUILDING, M.READY, M.FAILED}

#: action -> which state, where it may start, where it may end, who may take it, its audit event.
TRANSITIONS: dict[str, Transition] = {
    # review
    "deliver": _t(REVIEW, {R.RECEIVING, R.DELIVERED, R.FLAGGED, R.RETURNED}, {R.DELIVERED, R.FLAGGED},
                  {CONTRACTOR, SYSTEM}, "delivery_declared"),
    "accept": _t(REVIEW, {R.DELIVERED, R.FLAGGED}, {R.ACCEPTED}, {REQUESTER}, None),  # request's accept_delivery
    "return": _t(REVIEW, {R.DELIVERED, R.FLAGGED}, {R.RETURNED}, {REQUESTER}, None),  # request's return_delivery
    # map
    "queue_map": _t(MAP, ANY_MAP, {M.BUILDING}, {CONTRACTOR, SYSTEM}, "map_queued", review=DELIVERED_STATES),
    "rebuild_map": _t(MAP, ANY_MAP, {M.BUILDING}, {CONTRACTOR, OFFICER}, "map_rebuild_queued",
                      review=DELIVERED_STATES),
    "start_map": _t(MAP, ANY_MAP, {M.BUILDING}, {SYSTEM}, "map_started", audit_unchanged=False),
    "map_built": _t(MAP, {M.BUILDING, M.READY, M.FAILED}, {M.READY}, {SYSTEM}, "map_built"),
    # a failed build keeps an earlier map (ready), else the map failed
    "map_failed": _t(MAP, ANY_MAP, {M.FAILED, M.READY}, {SYSTEM}, "map_failed"),
    # staff cancelled the last build in hand: back to the map there is (ready), or none
    "cancel_map": _t(MAP, {M.BUILDING}, {M.READY, M.NONE}, {JOB_STAFF}, "map_cancelled"),
}

_LABELS = {REVIEW: dict(SurveyStatus.choices), MAP: dict(MapState.choices)}


def _may_act(who: frozenset[str], survey: Survey, actor: Any) -> bool:
    if actor is None:
        return SYSTEM in who
    if is_admin(actor):
        return bool(who - {SYSTEM})
    if CONTRACTOR in who and can_deliver(actor, survey):
        return True
    if JOB_STAFF in who and is_operator(actor):
        return True
    if OFFICER in who and role_of(actor) in {Role.POLICY_OFFICER, Role.PROCUREMENT}:
        return True
    if REQUESTER in who and role_of(actor) == Role.REQUESTER and survey.flight_request_id is not None:
        return organisation_id_of(actor) == survey.flight_request.organisation_id
    return False


def ensure_allowed(*, survey: Survey, action: str, actor: Any) -> Transition:
    """Raise SurveyError (naming the state's field) when the survey's state does not allow the action, or when
    this actor may not take it. Services call it before any other validation."""
    transition = TRANSITIONS[action]
    verb = action.replace("_", " ")
    current = getattr(survey, transition.field)
    if current not in transition.sources:
        label = _LABELS[transition.field].get(current, current).lower()
        allowed = ", ".join(_LABELS[transition.field][s].lower() for s in sorted(transition.sources))
        raise SurveyError(transition.field, f"Survey {survey.pk} cannot {verb}: its state is {label!r}; this is "
                                            f"allowed only from {allowed}.")
    if transition.review is not None and survey.status not in transition.review:
        raise SurveyError(REVIEW, f"Survey {survey.pk} cannot {verb} before it is delivered "
                                  f"(it is {survey.get_status_display().lower()}).")
    if not _may_act(transition.who, survey, actor):
        raise SurveyError("actor", f"{'The system' if actor is None else 'You'} may not {verb} survey "
                                   f"{survey.pk}.")
    return transition


def survey_transition(*, survey: Survey, action: str, actor: Any, now: datetime, target: str | None = None,
                      data: dict[str, Any] | None = None, also_save: tuple[str, ...] = (),
                      reason: str = "") -> Survey:
    """Move the survey (locked by the caller's transaction where it matters) by `action`, save the state with
    the fields named in `also_save` (set by the caller beforehand), and write the action's audit event with
    `data`. Raises SurveyError for an illegal move or the wrong actor."""
    transition = ensure_allowed(survey=survey, action=action, actor=actor)
    if target is None:
        if len(transition.targets) != 1:
            raise ValueError(f"{action} needs an explicit target")
        (target,) = transition.targets
    if target not in transition.targets:
        raise ValueError(f"{action} cannot lead to {target}")
    source = getattr(survey, transition.field)
    setattr(survey, transition.field, target)
    survey.updated_at = now
    survey.save(update_fields=[transition.field, "updated_at", *also_save])
    if transition.audit is not None and (transition.audit_unchanged or source != target):
        survey_audit_record(survey, transition.audit, by=actor, now=now, data=data or {}, reason=reason)
    return survey
