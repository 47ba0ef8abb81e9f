"""Import of pupils and staff from .xlsx and .csv files (security.md finding 4).

The path of an upload: `guards` checks the bytes before anything parses them; `reader` parses
them (an .xlsx in a resource-limited subprocess, `worker`) into plain rows; `columns` maps our
template's header; `students` and `staff` check each row and plan the writes; the actions in
`hocbaso.people.actions.imports` apply a plan in one transaction.
"""
