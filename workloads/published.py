"""Per-layer densities of the ImageNet networks: published where published, chosen otherwise.

Every entry carries its source. VGG-16's weight and input-activation densities and AlexNet's
weight densities are the published ones (SCNN, Table/Fig. 1, from Han et al.'s pruned models);
AlexNet's activation densities and all of GoogLeNet's are only drawn in the papers' figures, so
values inside the ranges the SCNN paper gives (30-50% of activations kept, GoogLeNet weights
0.32-0.45) are chosen here and labelled ``"chosen"``.

References
----------
.. [1] A. Parashar et al., "SCNN", ISCA 2017, Fig. 1 and Table III.
.. [2] S. Han, H. Mao, W. Dally, "Deep Compression", ICLR 2016, Table 4 (AlexNet).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from desim.kernel.errors import ConfigError
from workloads.zoo.inception import INCEPTION_TABLE

__all__ = ["LayerTarget", "targets", "TABLE_OF"]

PUBLISHED, CHOSEN = "published", "chosen"
_VGG = "Parashar et al. ISCA 2017 (SCNN), VGG-16 per-layer densities"
_ALEX_W = "Han et al. ICLR 2016 (Deep Compression), AlexNet conv weight densities"
_POOLED = "measured: a 3 x 3 max pool of the module input, whose density is calibrated"
_CHOSE = (
    "chosen within the ranges SCNN reports (activations 0.30-0.50, GoogLeNet weights 0.32-0.45)"
)


@dataclass(frozen=True)
class LayerTarget:
    """Densities one convolution is calibrated to, and where each number comes from.

    ``input_density`` is None where the input is not calibrated but follows from other layers
    (GoogLeNet's pool-projection branch sees a 3 x 3 max pool of the module input).
    """

    weight_density: float
    input_density: float | None
    weight_source: str
    input_source: str

    @property
    def kind(self) -> str:
        """``"published"`` if both numbers are published, else ``"chosen"``."""
        both = (self.weight_source, self.input_source)
        return PUBLISHED if all(s.startswith(PUBLISHED) for s in both) else CHOSEN


def _vgg16() -> dict[str, LayerTarget]:
    names = [
        "1_1",
        "1_2",
        "2_1",
        "2_2",
        "3_1",
        "3_2",
        "3_3",
        "4_1",
        "4_2",
        "4_3",
        "5_1",
        "5_2",
        "5_3",
    ]
    weights = [0.57, 0.21, 0.33, 0.35, 0.53, 0.22, 0.41, 0.32, 0.26, 0.34, 0.35, 0.29, 0.36]
    inputs = [1.0, 0.50, 0.89, 0.79, 0.81, 0.63, 0.69, 0.71, 0.50, 0.45, 0.39, 0.33, 0.32]
    source = f"{PUBLISHED}: {_VGG}"
    return {
        f"features.conv{n}": LayerTarget(w, a, source, source)
        for n, w, a in zip(names, weights, inputs, strict=True)
    }


def _alexnet() -> dict[str, LayerTarget]:
    weights = {"conv1": 0.84, "conv2": 0.38, "conv3": 0.35, "conv4": 0.37, "conv5": 0.37}
    inputs = {"conv1": 1.0, "conv2": 0.50, "conv3": 0.45, "conv4": 0.40, "conv5": 0.35}
    return {
        f"features.{n}": LayerTarget(
            weights[n],
            inputs[n],
            f"{PUBLISHED}: {_ALEX_W}",
            PUBLISHED + ": input image" if n == "conv1" else f"{CHOSEN}: {_CHOSE}",
        )
        for n in weights
    }


def _googlenet() -> dict[str, LayerTarget]:
    chosen = f"{CHOSEN}: {_CHOSE}"
    table = {
        "stem.conv1": LayerTarget(0.45, 1.0, chosen, PUBLISHED + ": input image"),
        "stem.conv2_reduce": LayerTarget(0.45, 0.50, chosen, chosen),
        "stem.conv2": LayerTarget(0.45, 0.50, chosen, chosen),
    }
    modules = list(INCEPTION_TABLE)
    weights = np.linspace(0.45, 0.32, len(modules)).round(3)
    inputs = np.linspace(0.50, 0.30, len(modules)).round(3)
    for name, w, a in zip(modules, weights, inputs, strict=True):
        for conv in ("b1", "b2_reduce", "b2", "b3_reduce", "b3"):
            table[f"inceptions.{name}.{conv}"] = LayerTarget(float(w), float(a), chosen, chosen)
        table[f"inceptions.{name}.b4"] = LayerTarget(float(w), None, chosen, _POOLED)
    return table


# model name -> the table its layers use (tiny variants share their parent's layer names)
TABLE_OF = {
    "vgg16": _vgg16,
    "tiny_vgg16": _vgg16,
    "alexnet": _alexnet,
    "tiny_alexnet": _alexnet,
    "googlenet": _googlenet,
    "tiny_googlenet": _googlenet,
}


def targets(model: str) -> dict[str, LayerTarget]:
    """Per-layer targets of ``model`` by qualified conv name (unknown models raise).

    Examples
    --------
    >>> targets("vgg16")["features.conv4_2"].weight_density
    0.26
    """
    try:
        return TABLE_OF[model]()
    except KeyError:
        raise ConfigError(
            f"no published densities for model {model!r}; calibrated models: "
            f"{', '.join(sorted(TABLE_OF))}"
        ) from None
