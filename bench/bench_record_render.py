"""CPU time to render one học bạ year page (PDF/A-3b, XML attached, QR) with Typst.

Plain Python, no database: ``python bench/bench_record_render.py [--runs N]``. Figures, median of
N runs (default 200) in CPU time (``time.process_time``), wall-clock alongside:

- ``render_page``: the sample year page (hocbaso/records/tests/data/sample_page.xml), XML
  parsing, QR matrix and Typst compile included; the headline figure (stack.md's reference for
  this form: 25–30 ms on a machine where ``baseline_one_line`` took 2.7 ms);
- ``baseline_one_line``: Typst compiling a one-line document with the same fonts, in the same
  run, so the machine's speed can be factored out;
- ``qr_matrix_only``: segno building the QR matrix with the fixed mask (`render.QR_MASK`), a
  part of ``render_page``; ``qr_matrix_auto_mask``: the same with segno's automatic mask
  choice (the penalty search over eight masks, used before);
- ``tagged``: the same page with structure tags (``render.PDF_TAGS = True``, as before);
- ``before``: the page as rendered before this round (tags, automatic mask, the QR drawn as one
  rectangle per run of modules) — the template of that time is rebuilt in a temporary folder
  from the current one, the QR function swapped back.

Writes ``bench/results/record-render.json`` and ``bench/results/record-render.md``.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from hashlib import sha256
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import segno  # noqa: E402
import typst  # noqa: E402

from hocbaso.records import render  # noqa: E402 - after the path set-up above

SAMPLE = ROOT / "hocbaso" / "records" / "tests" / "data" / "sample_page.xml"
RESULT_PATH = ROOT / "bench" / "results" / "record-render.json"
RECORD_ID = "HB-79-79000123-0123456789-2026"
VERIFY_URL = f"https://hocbaso.example.vn/xac-minh/{RECORD_ID}?v=1&sha256=" + "ab" * 32


def measure(action: Callable[[int], Any], runs: int) -> dict[str, float]:
    """Median CPU/wall time of ``action(i)``; each run gets new inputs (Typst memoises layout)."""
    action(-1)  # warm-up: fonts loaded, template parsed
    cpu, wall = [], []
    for i in range(runs):
        c0, w0 = time.process_time(), time.perf_counter()
        action(i)
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return {
        "cpu_ms_median": round(statistics.median(cpu) * 1000, 2),
        "wall_ms_median": round(statistics.median(wall) * 1000, 2),
        "cpu_ms_min": round(min(cpu) * 1000, 2),
    }


def variant(xml: bytes, i: int) -> bytes:
    """The sample page of another pupil: name and comments differ from every other run."""
    text = xml.decode("utf-8").replace("Nguyễn Thị Ngọc Ánh", f"Nguyễn Thị Ngọc Ánh {i}")
    return text.replace("</nhanxet>", f" ({i})</nhanxet>").encode("utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    xml = SAMPLE.read_bytes()
    pdf = render.render_page(xml, record_id=RECORD_ID, verify_url=VERIFY_URL)
    # Another pupil each run, so Typst's memoisation cannot replay a previous layout.
    pages = [variant(xml, i) for i in range(-1, args.runs)]

    def url(page: bytes) -> str:  # as the real verify URL: record id and the XML's SHA-256
        return (
            f"https://hocbaso.example.vn/xac-minh/{RECORD_ID}?v=1&sha256="
            + sha256(page).hexdigest()
        )

    def now(i: int) -> bytes:
        return render.render_page(pages[i + 1], record_id=RECORD_ID, verify_url=url(pages[i + 1]))

    page = measure(now, args.runs)

    def tagged(i: int) -> bytes:
        render.PDF_TAGS = True
        try:
            return render.render_page(
                pages[i + 1], record_id=RECORD_ID, verify_url=url(pages[i + 1])
            )
        finally:
            render.PDF_TAGS = False

    tagged_pdf = tagged(-1)
    tagged_figures = measure(tagged, max(20, args.runs // 4))

    qr_figures = measure(lambda i: render.qr_matrix(url(pages[i + 1])), args.runs)
    qr_auto = measure(
        lambda i: segno.make(url(pages[i + 1]), error="m", boost_error=False, micro=False),
        args.runs,
    )
    before_figures = measure_before(pages, url, max(20, args.runs // 4))

    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "one_line.typ"
        source.write_text(
            '#set text(font: "Liberation Serif")\nHọc bạ số #sys.inputs.n.\n', encoding="utf-8"
        )
        baseline_compiler = typst.Compiler(
            source, root=tmp, font_paths=[render.FONTS], ignore_system_fonts=True
        )
        baseline = measure(
            lambda i: baseline_compiler.compile(format="pdf", sys_inputs={"n": str(i)}), args.runs
        )

    result = {
        "benchmark": "record_render",
        "when": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "typst": typst.__version__ if hasattr(typst, "__version__") else "",
        "runs": args.runs,
        "render_page": page | {"pdf_bytes": len(pdf), "pages": 2},
        "tagged": tagged_figures | {"pdf_bytes": len(tagged_pdf)},
        "before": before_figures,
        "baseline_one_line": baseline,
        "qr_matrix_only": qr_figures,
        "qr_matrix_auto_mask": qr_auto,
        "render_over_baseline": round(page["cpu_ms_median"] / baseline["cpu_ms_median"], 2),
        "before_over_baseline": round(
            before_figures["cpu_ms_median"] / baseline["cpu_ms_median"], 2
        ),
        "reference_ms": "25-30 (stack.md, two-page form)",
    }
    RESULT_PATH.parent.mkdir(parents=True, exist_ok=True)
    RESULT_PATH.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    RESULT_PATH.with_suffix(".md").write_text(markdown(result), encoding="utf-8")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


OLD_QR_CODE = """#let qr-code(rows, size) = {
  let n = rows.len()
  let m = size / n
  box(width: size, height: size, {
    for (i, row) in rows.enumerate() {
      for run in row.matches(regex("1+")) {
        place(top + left, dx: run.start * m, dy: i * m, rect(
          width: (run.end - run.start) * m,
          height: m,
          fill: black,
          stroke: none,
        ))
      }
    }
  })
}
"""


def measure_before(pages: list[bytes], url: Callable[[bytes], str], runs: int) -> dict[str, Any]:
    """The page as rendered before: tags, automatic QR mask, one rectangle per run."""
    source = render.TEMPLATE.read_text(encoding="utf-8")
    start = source.index("#let qr-code(rows, size)")
    end = source.index("\n", start) + 1
    old_source = source[:start] + OLD_QR_CODE + source[end:]
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "hoc_ba.typ"
        template.write_text(old_source, encoding="utf-8")
        compiler = typst.Compiler(
            template, root=tmp, font_paths=[render.FONTS], ignore_system_fonts=True
        )

        def before(i: int) -> bytes:
            page = pages[i + 1]
            render.QR_MASK = None
            try:
                data = render.typst_data(page, record_id=RECORD_ID, verify_url=url(page))
            finally:
                render.QR_MASK = 2
            payload = unicodedata.normalize("NFC", json.dumps(data, ensure_ascii=False))
            out = compiler.compile(
                format="pdf",
                sys_inputs={"data": payload, "xml": page.decode("utf-8")},
                pdf_standards=[render.PDF_STANDARD],
                timestamp=render.issue_timestamp(data),
                pdf_tags=True,
            )
            assert isinstance(out, bytes)
            return out

        size = len(before(-1))
        return measure(before, runs) | {"pdf_bytes": size}


def markdown(result: dict[str, Any]) -> str:
    base = result["baseline_one_line"]["cpu_ms_median"]
    rows = [
        ("before (tags, automatic mask, rectangles)", result["before"]),
        ("render_page (now)", result["render_page"]),
        ("tagged (now, with tags)", result["tagged"]),
        ("QR matrix, fixed mask", result["qr_matrix_only"]),
        ("QR matrix, automatic mask", result["qr_matrix_auto_mask"]),
        ("one-line Typst document", result["baseline_one_line"]),
    ]
    lines = [
        f"# bench_record_render — {result['when']}",
        "",
        "| Year page (median CPU ms) | ms | × one-line baseline | PDF bytes |",
        "|---|---|---|---|",
    ]
    for label, figures in rows:
        ms = figures["cpu_ms_median"]
        lines.append(f"| {label} | {ms} | {ms / base:.1f} | {figures.get('pdf_bytes', '')} |")
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
