"""desim.sweep."""
