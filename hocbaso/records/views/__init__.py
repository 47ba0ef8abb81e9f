"""Views of the records app, one module per screen group."""
