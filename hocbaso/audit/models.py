"""The append-only audit trail.

Each event belongs to one chain (one per school, plus "system" for province-level acts) and
carries its position `seq` and the hash of the previous event, so that a later verifier can
detect edits, deletions, swaps and insertions (issue 4 adds the verifier and checkpoints).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any, NoReturn

from django.conf import settings
from django.db import models


class AppendOnlyError(RuntimeError):
    """Raised on any attempt to change or delete an audit event through the ORM."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Audit events are append-only")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("Audit events are append-only")

    def bulk_create(
        self,
        objs: Iterable[AuditEvent],
        batch_size: int | None = None,
        ignore_conflicts: bool = False,
        update_conflicts: bool = False,
        update_fields: Collection[str] | None = None,
        unique_fields: Collection[str] | None = None,
    ) -> list[AuditEvent]:
        if update_conflicts:  # an upsert would overwrite existing events
            raise AppendOnlyError("Audit events are append-only")
        return super().bulk_create(
            objs,
            batch_size=batch_size,
            ignore_conflicts=ignore_conflicts,
            update_fields=update_fields,
            unique_fields=unique_fields,
        )


class AuditEvent(models.Model):
    chain = models.CharField(max_length=64)
    seq = models.PositiveBigIntegerField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    action = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField(max_length=200)
    subject_type = models.CharField(max_length=64)
    subject_id = models.CharField(max_length=64)
    subject_label = models.CharField(max_length=300)
    data = models.JSONField(default=dict)
    request_id = models.CharField(max_length=64)
    ip = models.GenericIPAddressField(null=True, blank=True)
    origin = models.CharField(max_length=16)
    bien_ban_id = models.CharField(max_length=64, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["chain", "seq"], name="audit_event_chain_seq_unique")
        ]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"]),
            models.Index(fields=["action", "created_at"]),
        ]
        ordering = ["chain", "seq"]

    def __str__(self) -> str:
        return f"{self.chain}#{self.seq} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Audit events are append-only")
        # Always an INSERT: a new instance given an existing pk must not turn into an UPDATE.
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Audit events are append-only")


class AuditChainHead(models.Model):
    """The last event of each chain; locked FOR UPDATE by every write to that chain."""

    chain = models.CharField(max_length=64, primary_key=True)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"{self.chain}@{self.seq}"
