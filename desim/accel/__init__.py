"""desim.accel."""
