"""desim.energy."""
