"""Export of a school's pupils and staff as .xlsx and .csv, with the import template's columns.

`students.export_students` and `staff.export_staff` are the actions (access check + audit
event); `cells` writes the files so that no cell can become a formula.
"""
