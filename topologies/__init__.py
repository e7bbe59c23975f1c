"""Topology builders returning annotated networkx graphs, and their validator."""
