"""One module per resource of /api/v1: its schemas and its routes (parse, authorise, call)."""
