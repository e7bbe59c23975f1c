"""The layer record workloads produce: `desim.accel.layer.LayerRecord` (a desim type, so that
accelerators never import workloads), re-exported here for the workload modules."""

from desim.accel.layer import LayerRecord, density

__all__ = ["LayerRecord", "density"]
