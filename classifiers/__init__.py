"""Taxonomy, language identification, places, lexicons and the report classifier."""
