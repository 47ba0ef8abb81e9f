"""Transfers of a pupil between schools (issue 6, spec §6.2; docs/transfers.md).

* `export`: the school of a pupil leaving produces one signed archive (`layout`): the sealed
  record PDFs as issued, their XML, the profile, the pupil's rows of the class summary tables,
  and a manifest signed with the school's seal (`manifest_signature`).
* `checks`: everything a receiving school verifies in a package, without writing anything.
* `receive`: the receiving school's action — a dry run, then all or nothing.
"""
