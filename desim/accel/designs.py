"""The built-in accelerator designs (each module registers itself under ``accelerator``)."""

import desim.accel.dcnn  # noqa: F401
import desim.accel.scnn  # noqa: F401
import desim.accel.sparsenn  # noqa: F401
