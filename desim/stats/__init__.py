"""desim.stats."""
