"""The parents' portal: a mobile-first installable web app (PWA) where parents link to their
children and read the released results."""
