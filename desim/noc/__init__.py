"""desim.noc."""
