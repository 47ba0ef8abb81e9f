"""The plan's indicators, computed with aggregate SQL grouped per class or per school, so that a
dashboard costs the same number of queries whatever the size of the area (style.md §15)."""
