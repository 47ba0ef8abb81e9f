"""`log()` and `log_many()`: the only way events are written.

Call them inside the action's transaction: the event commits or rolls back with the change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from hocbaso.audit import context, registry
from hocbaso.audit.chain import GENESIS_HASH, event_hash
from hocbaso.audit.models import AuditChainHead, AuditEvent

SYSTEM_CHAIN = "system"


def chain_for_school(school_id: int | None) -> str:
    return f"school:{school_id}" if school_id is not None else SYSTEM_CHAIN


@dataclass(frozen=True)
class EventSpec:
    action: str
    subject: models.Model | None = None
    data: dict[str, Any] = field(default_factory=dict)
    school_id: int | None = None
    subject_type: str = ""
    subject_id: str = ""
    subject_label: str = ""
    bien_ban_id: str = ""


def _actor_fields(actor: Any) -> tuple[int | None, str]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None, "hệ thống"
    label = getattr(actor, "full_name", "") or actor.get_username()
    return actor.pk, f"{label} ({actor.get_username()})"


def _subject_fields(spec: EventSpec) -> tuple[str, str, str]:
    if spec.subject is None:
        return spec.subject_type, spec.subject_id, spec.subject_label
    meta = spec.subject._meta
    return (
        spec.subject_type or f"{meta.app_label}.{meta.model_name}",
        spec.subject_id or str(spec.subject.pk),
        (spec.subject_label or str(spec.subject))[:300],
    )


def log(
    action: str,
    *,
    actor: Any,
    subject: models.Model | None = None,
    data: dict[str, Any] | None = None,
    school_id: int | None = None,
    bien_ban_id: str = "",
    subject_type: str = "",
    subject_id: str = "",
    subject_label: str = "",
) -> AuditEvent:
    spec = EventSpec(
        action=action,
        subject=subject,
        data=data or {},
        school_id=school_id,
        bien_ban_id=bien_ban_id,
        subject_type=subject_type,
        subject_id=subject_id,
        subject_label=subject_label,
    )
    return log_many([spec], actor=actor)[0]


def log_many(specs: Sequence[EventSpec], *, actor: Any) -> list[AuditEvent]:
    """Append events (grouped by chain) in the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.log must be called inside the action's transaction")
    for spec in specs:
        if not registry.is_registered(spec.action):
            raise ValueError(f"Unregistered audit action: {spec.action}")
    ctx = context.current()
    now = timezone.now()
    actor_id, actor_label = _actor_fields(actor)
    ip = _stored_ip(ctx.ip)
    by_chain: dict[str, list[EventSpec]] = {}
    for spec in specs:
        by_chain.setdefault(chain_for_school(spec.school_id), []).append(spec)
    events: list[AuditEvent] = []
    for chain in sorted(by_chain):
        head = _lock_head(chain)
        seq, prev = head.seq, head.hash
        for spec in by_chain[chain]:
            seq += 1
            subject_type, subject_id, subject_label = _subject_fields(spec)
            fields = {
                "chain": chain,
                "seq": seq,
                "action": spec.action,
                "created_at": now.isoformat(),
                "actor_id": actor_id,
                "actor_label": actor_label,
                "subject_type": subject_type,
                "subject_id": subject_id,
                "subject_label": subject_label,
                "data": spec.data,
                "request_id": ctx.request_id,
                "ip": ip,
                "origin": ctx.origin,
                "bien_ban_id": spec.bien_ban_id,
            }
            digest = event_hash(prev, fields)
            events.append(
                AuditEvent(
                    chain=chain,
                    seq=seq,
                    prev_hash=prev,
                    hash=digest,
                    action=spec.action,
                    created_at=now,
                    actor_id=actor_id,
                    actor_label=actor_label,
                    subject_type=subject_type,
                    subject_id=subject_id,
                    subject_label=subject_label,
                    data=spec.data,
                    request_id=ctx.request_id,
                    ip=ip,
                    origin=ctx.origin,
                    bien_ban_id=spec.bien_ban_id,
                )
            )
            prev = digest
        AuditChainHead.objects.filter(chain=chain).update(seq=seq, hash=prev)
    AuditEvent.objects.bulk_create(events, batch_size=1000)
    return events


def _stored_ip(ip: str | None) -> str | None:
    """The IP as the database gives it back (IPv6 normalised, "" as NULL), so that a verifier
    recomputing the hash from the stored row gets the value that was hashed."""
    return AuditEvent._meta.get_field("ip").get_prep_value(ip) or None


def _lock_head(chain: str) -> AuditChainHead:
    """The chain's head row, locked FOR UPDATE (one query once the chain exists)."""
    locked = AuditChainHead.objects.select_for_update()
    head = locked.filter(chain=chain).first()
    if head is None:
        AuditChainHead.objects.get_or_create(chain=chain, defaults={"hash": GENESIS_HASH})
        head = locked.get(chain=chain)
    return head
