"""Many prepared documents, one remote approval: the two phases around one batch request."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps.api import TimeStamper

from hocbaso.signing.remote.client import BatchItem, RemoteSigningClient
from hocbaso.signing.remote.two_phase import PendingSignature, finish_remote


@dataclass
class RemoteBatchResult:
    signed: dict[str, bytes] = field(default_factory=dict)  # id -> signed PDF
    failed: dict[str, str] = field(default_factory=dict)  # id -> Vietnamese reason


def sign_remotely(
    client: RemoteSigningClient,
    pending: Mapping[str, PendingSignature],
    labels: Mapping[str, str],
    *,
    timestamper: TimeStamper | None = None,
    wait_timeout: float = 300.0,
) -> RemoteBatchResult:
    """Send every pending digest in one batch, wait for the approval, finish each document.

    A failure of the whole batch (rejected, expired, service error) raises RemoteSigningError;
    a failure of one item (no signature, a signature that does not verify) is reported in
    ``failed`` without stopping the others."""
    fingerprints = {p.certificate_fingerprint_sha256 for p in pending.values()}
    if len(fingerprints) != 1:
        raise ValueError("one batch is signed with one certificate")
    items = [BatchItem(id=i, digest=p.digest_to_sign, label=labels[i]) for i, p in pending.items()]
    outcome = client.sign_batch(fingerprints.pop(), items, wait_timeout=wait_timeout)
    result = RemoteBatchResult(failed=dict(outcome.errors))
    for item_id, raw in outcome.signatures.items():
        if item_id not in pending:
            continue  # an id we did not send: ignored
        try:
            result.signed[item_id] = finish_remote(pending[item_id], raw, timestamper=timestamper)
        except SigningError as exc:
            result.failed[item_id] = str(exc)
    return result
