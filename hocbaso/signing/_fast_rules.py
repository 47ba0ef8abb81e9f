"""Two results of pyHanko's difference analysis computed once per revision, not once per pair.

pyHanko diffs the revision each signature signed against every later revision, so a file with
three signatures and a document timestamp runs six comparisons (2→3, 2→4, 2→5, 3→4, 3→5,
4→5 on the sealed year page), and two of the checks inside each comparison depend on one
revision only:

* ``policies._find_orphans(new)``: the objects a revision adds that nothing reaches (a function
  of that revision alone); the sealed year page's last revision was searched three times;
* ``MetadataUpdateRule.is_well_formed_xml(ref)``: the XMP metadata stream of a revision
  decoded and parsed with lxml — for both sides of every comparison, twelve parses of four
  streams.

`install` wraps both so that the result for a revision is kept on that revision's
``HistoricalResolver`` (the object pyHanko made for this file, which lives as long as its
reader: nothing is shared between files) and handed out again: the same set of orphans (a copy)
or, for the metadata, the same outcome — nothing, or the same ``SuspiciousModification``
raised again. Everything else in each comparison runs as before.

hocbaso/signing/tests/test_fast_paths.py compares whole verification reports (valid and
tampered files) with and without this module.
"""

from __future__ import annotations

from typing import Any

from pyhanko.pdf_utils.reader import HistoricalResolver
from pyhanko.sign.diff_analysis import policies
from pyhanko.sign.diff_analysis.rules.metadata_rules import MetadataUpdateRule

ORIGINAL_FIND_ORPHANS = policies._find_orphans
ORIGINAL_WELL_FORMED = MetadataUpdateRule.is_well_formed_xml
_installed = False
_ORPHANS = "_hocbaso_orphans"
_XMP_CHECKS = "_hocbaso_xmp_checks"


def find_orphans(hist_rev: Any) -> Any:
    if not isinstance(hist_rev, HistoricalResolver):
        return ORIGINAL_FIND_ORPHANS(hist_rev)
    cached = hist_rev.__dict__.get(_ORPHANS)
    if cached is None:
        cached = set(ORIGINAL_FIND_ORPHANS(hist_rev))
        hist_rev.__dict__[_ORPHANS] = cached
    return set(cached)


def is_well_formed_xml(metadata_ref: Any) -> None:
    handler = metadata_ref.pdf
    if not isinstance(handler, HistoricalResolver):  # only a revision's view never changes
        return ORIGINAL_WELL_FORMED(metadata_ref)
    checks = vars(handler)
    outcomes: dict[tuple[int, int], BaseException | None] = checks.setdefault(_XMP_CHECKS, {})
    key = (metadata_ref.idnum, metadata_ref.generation)
    if key not in outcomes:
        try:
            ORIGINAL_WELL_FORMED(metadata_ref)
        except Exception as exc:  # noqa: BLE001 — kept, and raised again below
            outcomes[key] = exc
        else:
            outcomes[key] = None
    outcome = outcomes[key]
    if outcome is not None:
        raise outcome
    return None


def install() -> None:
    global _installed
    if not _installed:
        policies._find_orphans = find_orphans
        MetadataUpdateRule.is_well_formed_xml = staticmethod(is_well_formed_xml)  # type: ignore[method-assign]
        _installed = True


def uninstall() -> None:
    """Back to pyHanko's own functions (tests compare both)."""
    global _installed
    policies._find_orphans = ORIGINAL_FIND_ORPHANS
    MetadataUpdateRule.is_well_formed_xml = staticmethod(ORIGINAL_WELL_FORMED)  # type: ignore[method-assign]
    _installed = False
