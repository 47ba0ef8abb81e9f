"""CPU per PAdES signature and per verification (issue 5 "Measured"; stack.md targets).

    python bench/bench_sign.py [--rounds N]        # default 15; no database needed

Against the raw RSA-2048 signing operation measured in the same run, times (CPU, median):

* render of a biên bản (Typst), distinct content each round;
* a certification and an approval signature, each with and without an RFC 3161 timestamp
  from the local TSA, for three signers:
  - ``cached``: `signing.signers.Pkcs12Signer` (key parsed once) + `LocalTimestamper` through
    `signing.pades.sign_pdf` (``bytes_reserved`` set: no dry run) — what the app uses;
  - ``simple_reserved``: pyHanko's `SimpleSigner` (re-parses the key per raw signature) and
    pyHanko's `DummyTimeStamper`, through the same `sign_pdf`;
  - ``naive``: `SimpleSigner` + `DummyTimeStamper` through pyHanko's own `sign_pdf` without
    ``bytes_reserved`` (size-estimation dry run) — pyHanko used naively;
* a whole record: render + three signatures with timestamps (``cached``);
* `verify_pdf` of the three-signature record (with difference analysis).

Writes bench/results/sign.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "hocbaso.config.settings"
os.environ.setdefault("HOCBASO_VAR_DIR", tempfile.mkdtemp(prefix="hocbaso-bench-sign-"))
os.environ.pop("DATABASE_URL", None)  # no database is touched

import django  # noqa: E402

django.setup()

from asn1crypto import keys as asn1_keys  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import padding, rsa  # noqa: E402
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter  # noqa: E402
from pyhanko.sign import fields as sig_fields  # noqa: E402
from pyhanko.sign import signers as ph_signers  # noqa: E402
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper  # noqa: E402
from pyhanko_certvalidator.registry import SimpleCertificateStore  # noqa: E402

from hocbaso.assessment.bien_ban_pdf import (  # noqa: E402
    BienBanCell,
    BienBanContent,
    render_bien_ban,
)
from hocbaso.signing import demo_pki  # noqa: E402
from hocbaso.signing.pades import SignatureFieldSpec, prepare_fields, sign_pdf  # noqa: E402
from hocbaso.signing.signers import Pkcs12Signer, to_asn1  # noqa: E402
from hocbaso.signing.timestamps import LocalTimestamper  # noqa: E402
from hocbaso.signing.verify_pdf import verify_pdf  # noqa: E402

NOW = dt.datetime.now(dt.UTC)
FIELDS = [
    SignatureFieldSpec("gvcn"),
    SignatureFieldSpec("hieu_truong"),
    SignatureFieldSpec("con_dau"),
]


def cpu_ms(fn: Callable[[], Any], rounds: int) -> dict[str, float]:
    fn()  # warm-up
    samples = []
    for _ in range(rounds):
        start = time.process_time()
        fn()
        samples.append((time.process_time() - start) * 1000)
    return {
        "median_ms": round(statistics.median(samples), 3),
        "min_ms": round(min(samples), 3),
        "rounds": rounds,
    }


def content(number: int) -> BienBanContent:
    return BienBanContent(
        number=f"{number:05d}/2026/BB-ĐC",
        authority="UBND xã Đô Vinh",
        school_name="Trường Tiểu học Đô Vinh",
        place="Đô Vinh",
        created_at=NOW,
        school_year="2026-2027",
        period_label="Giữa học kì I",
        class_name="4A",
        sheet_label="Toán",
        requester=("Nguyễn Thị Hoa", "Giáo viên chủ nhiệm"),
        reason="Nhập nhầm điểm kiểm tra của học sinh.",
        cells=[BienBanCell("Lê Minh Anh", "Điểm kiểm tra định kì", "7", "9")],
        signers=[("Người đề nghị", "Nguyễn Thị Hoa"), ("Hiệu trưởng", "Trần Văn Bình")],
    )


def key_info(key: rsa.RSAPrivateKey) -> asn1_keys.PrivateKeyInfo:
    return asn1_keys.PrivateKeyInfo.load(
        key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    rounds = parser.parse_args().rounds

    ca = demo_pki.create_ca(now=NOW)
    people = [
        demo_pki.issue_personal(ca, full_name="Nguyễn Thị Hoa", now=NOW),
        demo_pki.issue_personal(ca, full_name="Trần Văn Bình", now=NOW),
        demo_pki.issue_seal(ca, school_name="Trường Tiểu học Đô Vinh", now=NOW),
    ]
    tsa = demo_pki.issue_tsa(ca, now=NOW)
    assert isinstance(tsa.private_key, rsa.RSAPrivateKey)
    cached = [Pkcs12Signer(p.pkcs12(b"pw", [ca.certificate]), b"pw") for p in people]
    registry = SimpleCertificateStore()
    registry.register(to_asn1(ca.certificate))
    simple = [
        ph_signers.SimpleSigner(
            signing_cert=to_asn1(p.certificate),
            signing_key=key_info(p.private_key),  # type: ignore[arg-type]
            cert_registry=registry,
        )
        for p in people
    ]
    local_tsa = LocalTimestamper(tsa.certificate, tsa.private_key)
    dummy_tsa = DummyTimeStamper(to_asn1(tsa.certificate), key_info(tsa.private_key))

    raw_key = people[0].private_key
    assert isinstance(raw_key, rsa.RSAPrivateKey)
    der_key = key_info(raw_key).dump()
    results: dict[str, Any] = {
        "raw_rsa2048_sign": cpu_ms(
            lambda: raw_key.sign(b"x" * 100, padding.PKCS1v15(), hashes.SHA256()), rounds * 20
        ),
        "rsa2048_key_load": cpu_ms(
            lambda: serialization.load_der_private_key(der_key, password=None), rounds
        ),
    }
    counter = iter(range(10**6))
    results["render_bien_ban"] = cpu_ms(lambda: render_bien_ban(content(next(counter))), rounds)

    prepared = prepare_fields(render_bien_ban(content(0)), FIELDS)
    certified = sign_pdf(
        prepared, field="gvcn", signer=cached[0], certify=True, title="GV", timestamper=local_tsa
    )

    def naive(pdf: bytes, field: str, signer: Any, certify: bool, ts: Any) -> bytes:
        meta = ph_signers.PdfSignatureMetadata(
            field_name=field,
            md_algorithm="sha256",
            subfilter=sig_fields.SigSeedSubFilter.PADES,
            certify=certify,
            docmdp_permissions=sig_fields.MDPPerm.FILL_FORMS,
        )
        out = ph_signers.sign_pdf(
            IncrementalPdfFileWriter(BytesIO(pdf), strict=False), meta, signer, timestamper=ts
        )
        return bytes(out.getvalue())

    variants: dict[str, tuple[Any, Any, Callable[..., bytes]]] = {
        "cached": (cached[0], local_tsa, lambda pdf, f, s, c, ts: _ours(pdf, f, s, c, ts)),
        "simple_reserved": (simple[0], dummy_tsa, lambda pdf, f, s, c, ts: _ours(pdf, f, s, c, ts)),
        "naive": (simple[0], dummy_tsa, naive),
    }
    signatures: dict[str, dict[str, Any]] = {}
    for name, (signer, ts, fn) in variants.items():
        signatures[name] = measure_variant(fn, signer, ts, prepared, certified, rounds)
    results["signatures"] = signatures

    def whole_record() -> bytes:
        pdf = prepare_fields(render_bien_ban(content(next(counter))), FIELDS)
        titles = ["Giáo viên chủ nhiệm", "Hiệu trưởng", "Trường Tiểu học Đô Vinh"]
        for index, (field, signer) in enumerate(
            zip(["gvcn", "hieu_truong", "con_dau"], cached, strict=True)
        ):
            pdf = sign_pdf(
                pdf,
                field=field,
                signer=signer,
                certify=index == 0,
                title=titles[index],
                timestamper=local_tsa,
            )
        return pdf

    results["record_render_plus_3_signatures_timestamped"] = cpu_ms(whole_record, rounds)
    record = whole_record()
    report = verify_pdf(record, trust_roots=[ca.certificate])
    assert report.valid, report.as_dict()
    results["verify_3_signatures"] = cpu_ms(
        lambda: verify_pdf(record, trust_roots=[ca.certificate]), max(3, rounds // 3)
    )
    raw = results["raw_rsa2048_sign"]["median_ms"]
    summary = {
        "record_ms": results["record_render_plus_3_signatures_timestamped"]["median_ms"],
        "record_target_ms": 100,
        "verify_ms": results["verify_3_signatures"]["median_ms"],
        "verify_target_ms": 50,
        "cached_certification_x_raw_rsa": round(
            signatures["cached"]["certification"]["median_ms"] / raw, 1
        ),
        "naive_over_cached_certification_timestamp": round(
            signatures["naive"]["certification_timestamp"]["median_ms"]
            / signatures["cached"]["certification_timestamp"]["median_ms"],
            2,
        ),
    }
    out = {
        "benchmark": "sign",
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "load_average": os.getloadavg(),
        "results": results,
        "summary": summary,
    }
    path = ROOT / "bench" / "results" / "sign.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(summary, indent=2))
    for name, values in signatures.items():
        print(name, {k: v["median_ms"] for k, v in values.items()})
    print("raw RSA-2048 sign", raw, "ms; key load", results["rsa2048_key_load"]["median_ms"], "ms")
    print("render", results["render_bien_ban"]["median_ms"], "ms")
    return 0


def measure_variant(
    fn: Callable[..., bytes], signer: Any, ts: Any, prepared: bytes, certified: bytes, rounds: int
) -> dict[str, Any]:
    """Certification (on the prepared PDF) and approval (on the certified one), ± timestamp."""
    return {
        "certification": cpu_ms(lambda: fn(prepared, "gvcn", signer, True, None), rounds),
        "certification_timestamp": cpu_ms(lambda: fn(prepared, "gvcn", signer, True, ts), rounds),
        "approval": cpu_ms(lambda: fn(certified, "hieu_truong", signer, False, None), rounds),
        "approval_timestamp": cpu_ms(
            lambda: fn(certified, "hieu_truong", signer, False, ts), rounds
        ),
    }


def _ours(pdf: bytes, field: str, signer: Any, certify: bool, ts: Any) -> bytes:
    return sign_pdf(
        pdf, field=field, signer=signer, certify=certify, title="Hiệu trưởng", timestamper=ts
    )


if __name__ == "__main__":
    sys.exit(main())
