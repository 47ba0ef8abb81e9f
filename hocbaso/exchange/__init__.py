"""Exchange with national systems: exports in the national data dictionary's naming, and the
client that pushes issued records to the ministry's warehouse and education data to VNeID."""
