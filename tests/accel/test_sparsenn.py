"""SparseNN and its baselines: functional check, FN/FP counts, the cycle model, determinism."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from desim.accel.layer import LayerRecord
from desim.accel.result import FunctionalMismatch
from desim.accel.sparsenn import DenseFc, InputSparse, SparseNN
from desim.accel.sparsenn_config import InputSparseConfig, SparseNNConfig, mesh_fabric
from desim.accel.sparsenn_metrics import summarize
from desim.accel.sparsenn_pe import SparsePE
from desim.accel.sparsenn_plan import (
    Predictor,
    check_masked,
    compute_cycles,
    owners,
    rank_for,
    svd_predictor,
)
from desim.kernel.errors import ConfigError
from desim.registry import ACCELERATOR

SMALL = mesh_fabric(2)
SVD = {"predictors": "svd"}  # LRADNN's SVD predictor, asked for (no trained one here)


def _layer(
    m: int = 24, n: int = 20, batch: int = 2, seed: int = 0, relu: bool = True
) -> LayerRecord:
    rng = np.random.default_rng(seed)
    w = rng.normal(size=(m, n)).astype(np.float32)
    b = rng.normal(size=m).astype(np.float32)
    x = np.maximum(rng.normal(size=(batch, n)), 0).astype(np.float32)
    return LayerRecord("fc", "linear", w, b, x, x @ w.T + b, activation="relu" if relu else "none")


def _mlp(seed: int = 0) -> list[LayerRecord]:
    first = _layer(24, 20, seed=seed)
    rng = np.random.default_rng(seed + 1)
    w = rng.normal(size=(10, 24)).astype(np.float32)
    x = np.maximum(first.output, 0)
    second = LayerRecord("out", "linear", w, None, x, x @ w.T, activation="none")
    return [first, second]


def test_registered_with_compare() -> None:
    assert ACCELERATOR.get("sparsenn") is SparseNN
    assert ACCELERATOR.get("input-sparse") is InputSparse
    assert ACCELERATOR.get("dense") is DenseFc
    assert callable(ACCELERATOR.metadata("sparsenn")["compare"])
    assert InputSparse().arch == "input-sparse" and DenseFc().arch == "dense"


def test_config_errors_name_value_and_choices() -> None:
    with pytest.raises(ConfigError, match="'row_mapping' must be one of interleaved, block, freq"):
        SparseNNConfig(row_mapping="diagonal")
    with pytest.raises(ConfigError, match="'multipliers_per_pe' must be an integer >= 1, got True"):
        SparseNNConfig(multipliers_per_pe=True)
    with pytest.raises(ConfigError, match="'predictor': needs skip_zero_inputs=true"):
        SparseNNConfig(skip_zero_inputs=False)


@pytest.mark.parametrize("cls", [SparseNN, InputSparse, DenseFc])
def test_kept_rows_equal_torch(cls: type[SparseNN]) -> None:
    config = dataclasses.replace(cls.Config(), fabric=SMALL, samples=2)
    result = cls(config).run(_mlp(), {"model": "toy", **SVD})
    assert [layer.extra["check_passed"] for layer in result.layers] == [True, True]
    assert result.layers[0].check_error < 1e-5


def test_fn_fp_against_independent_count() -> None:
    layer = _layer(40, 30, batch=3, seed=3)
    rng = np.random.default_rng(7)
    predictor = Predictor(
        rng.normal(size=(40, 4)).astype(np.float32), rng.normal(size=(4, 30)).astype(np.float32)
    )
    config = SparseNNConfig(fabric=SMALL, samples=3)
    result = SparseNN(config).run([layer], {"predictors": {"fc": predictor}})
    extra = result.layers[0].extra
    fn = fp = 0
    for s in range(3):
        x = layer.input[s]
        live = layer.weight @ x + layer.bias > 0
        kept = predictor.u @ (predictor.v @ x) + layer.bias > 0
        fn += sum(1 for a, b in zip(live, kept, strict=True) if a and not b)
        fp += sum(1 for a, b in zip(live, kept, strict=True) if b and not a)
    assert (extra["false_negatives"], extra["false_positives"]) == (fn, fp)
    assert fn > 0 and fp > 0
    assert result.workload["predictor_source"] == "trained"


def test_masked_check_rejects_a_wrong_kept_row() -> None:
    layer = _layer()
    computed = layer.output[0].copy()
    mask = np.ones_like(computed, dtype=bool)
    computed[3] += 1.0
    with pytest.raises(FunctionalMismatch, match="predicted rows differ"):
        check_masked(layer, 0, computed, mask)
    mask[3] = False  # a row not computed is not checked
    assert check_masked(layer, 0, computed, mask).error < 1e-6


def _chain(sizes: list[int], seed: int = 5) -> list[LayerRecord]:
    """An MLP on random weights (ReLU between layers), one sample."""
    rng = np.random.default_rng(seed)
    x = np.maximum(rng.normal(size=(1, sizes[0])), 0).astype(np.float32)
    layers = []
    for index, (n, m) in enumerate(zip(sizes, sizes[1:], strict=False)):
        w = rng.normal(size=(m, n)).astype(np.float32)
        b = rng.normal(size=m).astype(np.float32)
        layers.append(LayerRecord(f"fc{index}", "linear", w, b, x, x @ w.T + b, activation="relu"))
        x = np.maximum(x @ w.T + b, 0)
    return layers


@pytest.mark.parametrize("cls", [SparseNN, InputSparse])
def test_cycles_equal_the_analytic_formula_on_one_pe(cls: type[SparseNN]) -> None:
    """One PE (1 x 1 mesh), middle layer (no load, no store): no traffic, so the layer takes
    ``ceil(nnz r / M) + ceil(m r / M)`` (prediction) plus ``ceil(rows nnz / M)`` (its own entries
    in one step; the weight SRAM delivers ``M`` weights a cycle, so it never lags), plus one input
    buffer write of the surviving outputs."""
    m, n, mult = 48, 40, 8
    layers = _chain([30, n, m, 10])
    fabric = mesh_fabric(1)
    config = dataclasses.replace(cls.Config(), fabric=fabric, samples=1, multipliers_per_pe=mult)
    result = cls(config).run(layers, SVD)
    layer = layers[1]
    x = layer.input[0]
    nnz = int(np.count_nonzero(x))
    entry_bits = 16 + 6
    rows, prediction = m, 0
    if cls is SparseNN:
        r = rank_for(m, n)
        mask = svd_predictor(layer.weight, r).mask(x, layer.bias)
        rows = int(mask.sum())
        prediction = compute_cycles(nnz * r, mult) + compute_cycles(m * r, mult)
    else:
        mask = np.ones(m, dtype=bool)
    survivors = int(((layer.weight @ x + layer.bias > 0) & mask).sum())
    write = 1 + max(0, -(-survivors * entry_bits // 64) - 1)
    expected = prediction + compute_cycles(rows * nnz, mult) + write
    assert result.layers[1].cycles == expected
    assert result.layers[1].extra["prediction_critical_cycles_per_inference"] == prediction


def test_cycles_scale_with_multipliers_on_the_array() -> None:
    layer = _layer(256, 64, batch=1, seed=2)
    cycles = {}
    for mult in (1, 4):
        config = InputSparseConfig(fabric=SMALL, samples=1, multipliers_per_pe=mult)
        cycles[mult] = InputSparse(config).run([layer], {}).layers[0].cycles
    busiest = max(np.bincount(owners(256, 4, "interleaved"))) * np.count_nonzero(layer.input[0])
    assert busiest <= cycles[1] <= busiest * 1.15
    assert cycles[1] / cycles[4] > 3.0


def test_phase_flit_hops_add_up_to_the_network_total() -> None:
    """With unicast-based multicast every copy is a packet, so the per-delivery hop sums are the
    network's total (tree multicast shares branches: the sums are then an upper bound)."""
    fabric = mesh_fabric(2, multicast="umesh")
    config = SparseNNConfig(fabric=fabric, samples=1, reduction_network="noc")
    result = SparseNN(config).run(_mlp(), SVD)
    for layer in result.layers:
        phases = sum(
            layer.extra[f"noc_{p}_flit_hops"] for p in ("load", "inputs", "prediction", "outputs")
        )
        assert phases == layer.noc.flit_hops
    assert result.layers[0].extra["noc_prediction_flit_hops"] > 0


def test_dedicated_reduction_tree_same_rows_no_prediction_flits() -> None:
    """The dedicated tree changes when ``z`` arrives, not what is computed."""
    fabric = mesh_fabric(3)
    runs = {
        network: SparseNN(SparseNNConfig(fabric=fabric, samples=2, reduction_network=network)).run(
            _mlp(), SVD
        )
        for network in ("dedicated", "noc")
    }
    dedicated, noc = runs["dedicated"].layers[0], runs["noc"].layers[0]
    assert dedicated.extra["noc_prediction_flits"] == 0 < noc.extra["noc_prediction_flits"]
    for key in ("predicted_output_density", "false_negatives", "feed_forward_macs_per_inference"):
        assert dedicated.extra[key] == noc.extra[key]
    r = dedicated.extra["predictor_rank"]  # per sample: 8 partials of r x 24 bits up, z down
    assert dedicated.counts.total("link", "predictor") == 2 * 8 * r * (24 + 16)


def test_deterministic() -> None:
    config = SparseNNConfig(fabric=SMALL, samples=2)
    a = SparseNN(config, seed=1).run(_mlp(), SVD).to_json()
    b = SparseNN(config, seed=1).run(_mlp(), SVD).to_json()
    assert a == b


def test_summary_figures() -> None:
    result = SparseNN(SparseNNConfig(fabric=SMALL, samples=2)).run(_mlp(), SVD)
    s = summarize(result)
    assert s["cycles_per_inference"] == result.cycles / 2
    assert s["power_mw"] == pytest.approx(s["energy_pj_per_inference"] / s["cycles_per_inference"])
    assert 0 <= s["predictor_cycle_share"] < 1 and 0 < s["predictor_energy_share"] < 1
    assert result.workload["predictor_source"] == "svd"


def test_pe_states_traced_to_vcd(tmp_path: Path) -> None:
    config = SparseNNConfig(fabric=SMALL, samples=2)
    SparseNN(config).run(_mlp(), SVD, vcd=str(tmp_path / "snn"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snn.0.vcd", "snn.1.vcd"]
    text = (tmp_path / "snn.0.vcd").read_text()
    assert text.count("$var wire 2") == 4  # one state signal per PE of the 2 x 2 mesh


def _captured_pes(monkeypatch: pytest.MonkeyPatch) -> list[SparsePE]:
    """Every `SparsePE` built from now on, in order."""
    built: list[SparsePE] = []
    init = SparsePE.__init__

    def record(self: SparsePE, *args: object, **kwargs: object) -> None:
        init(self, *args, **kwargs)  # type: ignore[arg-type]
        built.append(self)

    monkeypatch.setattr(SparsePE, "__init__", record)
    return built


def test_first_layer_inputs_are_one_multicast_from_the_memory_port() -> None:
    """The port sends the non-zero inputs once, in full packets, to every PE; the PEs send no
    input packets of their own in the first layer."""
    layer = _layer(24, 200, batch=1, seed=4)
    fabric = mesh_fabric(2)
    result = InputSparse(InputSparseConfig(fabric=fabric, samples=1)).run([layer], {})
    extra = result.layers[0].extra
    nnz = int(np.count_nonzero(layer.input[0]))
    entry = 16 + 8  # value and an 8-bit index of 200 inputs
    per_packet = (8 * 128 - 32) // entry
    sizes = [min(per_packet, nnz - i) * entry for i in range(0, nnz, per_packet)]
    flits = sum(-(-(32 + bits) // 128) for bits in sizes)
    assert extra["noc_inputs_flits"] == 0
    assert extra["noc_load_flits"] == 4 * flits  # delivered to each of the 4 PEs


def test_dedicated_tree_is_cut_through(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a 1 x 4 line the tree is 0 -> 1 <- 2 <- 3 (root 1): ``z`` of ``w`` link words reaches
    a PE ``h`` hops from the root ``h + w - 1`` cycles after the root has it (store-and-forward
    would take ``h w``); every PE has two rows, so their ``U z`` steps are equal."""
    pes = _captured_pes(monkeypatch)
    rank, m, n = 40, 8, 12
    layer = _layer(m, n, batch=1, seed=6)
    rng = np.random.default_rng(2)
    predictor = Predictor(
        rng.normal(size=(m, rank)).astype(np.float32), rng.normal(size=(rank, n)).astype(np.float32)
    )
    fabric = mesh_fabric(1, 4)
    SparseNN(SparseNNConfig(fabric=fabric, samples=1)).run(
        [layer], {"predictors": {"fc": predictor}}
    )
    assert pes[0].job.parent == [1, -1, 1, 2]
    words = -(-rank * 16 // 128)  # z: 40 values of 16 bits on 128-bit links
    mask = [pe.mask_ready for pe in pes]
    assert mask[0] - mask[1] == mask[2] - mask[1] == words
    assert mask[3] - mask[1] == words + 1


def test_layer_left_out_of_predicted_layers_computes_every_row() -> None:
    """``predicted_layers=(1,)``: layer 0 multiplies every row by every non-zero input
    (``m nnz(x)`` MACs, like the input-sparse baseline), layer 1 is predicted."""
    layers = _chain([30, 40, 36, 10])
    config = SparseNNConfig(fabric=SMALL, samples=1, predicted_layers=(1,))
    result = SparseNN(config).run(layers, SVD)
    first, second = (layer.extra for layer in result.layers[:2])
    nnz = int(np.count_nonzero(layers[0].input[0]))
    assert first["predictor_rank"] == 0 and first["predicted_output_density"] == 1.0
    assert first["feed_forward_macs_per_inference"] == 40 * nnz
    assert second["predictor_rank"] == rank_for(36, 40) and second["predicted_output_density"] < 1
    assert result.layers[2].extra["predictor_rank"] == 0
    assert all(layer.extra["check_passed"] for layer in result.layers)


def test_predicted_layer_without_a_predictor_is_an_error() -> None:
    """No silent SVD substitute: a predicted layer the workload brings no predictor for fails."""
    layers = _chain([30, 40, 36, 10])
    with pytest.raises(ConfigError, match=r"layer 0 \(fc0\) is predicted but the workload has no"):
        SparseNN(SparseNNConfig(fabric=SMALL, samples=1)).run(layers, {})
    only_second = {"fc1": svd_predictor(layers[1].weight, 2)}
    with pytest.raises(ConfigError, match=r"layer 0 \(fc0\) is predicted"):
        SparseNN(SparseNNConfig(fabric=SMALL, samples=1)).run(layers, {"predictors": only_second})
    config = SparseNNConfig(fabric=SMALL, samples=1, predicted_layers=(1,))
    result = SparseNN(config).run(layers, {"predictors": only_second})
    assert result.workload["predictor_source"] == "trained"
    assert result.layers[1].extra["predictor_rank"] == 2


@pytest.mark.parametrize("asked", [None, (0, 1)])
def test_layers_the_trained_predictor_gave_rank_0_compute_every_row(asked) -> None:
    """A workload whose predictor was trained with layer 0 at rank 0 (the cost-aware budget's
    "computed in full") says so (``predicted_layers``): layer 0 computes every row, layer 1 is
    predicted, whether the config names both layers or none."""
    layers = _chain([30, 40, 36, 10])
    only_second = {"fc1": svd_predictor(layers[1].weight, 2)}
    config = SparseNNConfig(fabric=SMALL, samples=1, predicted_layers=asked)
    result = SparseNN(config).run(layers, {"predictors": only_second, "predicted_layers": (1,)})
    first, second = (layer.extra for layer in result.layers[:2])
    nnz = int(np.count_nonzero(layers[0].input[0]))
    assert first["predictor_rank"] == 0 and first["feed_forward_macs_per_inference"] == 40 * nnz
    assert second["predictor_rank"] == 2
    assert all(layer.extra["check_passed"] for layer in result.layers)


@pytest.mark.parametrize(
    ("predicted", "message"),
    [
        ((0, 0), "non-empty list of distinct integers >= 0"),
        ((-1,), "non-empty list of distinct integers >= 0"),
        ((), "non-empty list of distinct integers >= 0"),
    ],
)
def test_predicted_layers_config_errors(predicted: tuple[int, ...], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        SparseNNConfig(predicted_layers=predicted)


def test_predicted_layers_beyond_the_layers_or_without_relu_are_errors() -> None:
    with pytest.raises(ConfigError, match=r"predicted_layers \[5\] beyond the 2 layers run"):
        SparseNN(SparseNNConfig(fabric=SMALL, samples=1, predicted_layers=(0, 5))).run(_mlp(), SVD)
    with pytest.raises(ConfigError, match=r"layer 1 \(out\) has no ReLU to predict"):
        SparseNN(SparseNNConfig(fabric=SMALL, samples=1, predicted_layers=(1,))).run(_mlp(), SVD)


def test_rows_dealt_by_frequency_move_work_not_results() -> None:
    """``row_mapping="frequency"`` deals each layer's rows by the workload's kept frequencies:
    the same rows are kept, checked against torch and multiplied (the same MACs); only the PEs
    that own them change. Without the frequencies it is a one-line error."""
    layers = _chain([30, 40, 36, 10])
    rng = np.random.default_rng(0)
    frequency = {"fc0": rng.random(40).tolist(), "fc1": rng.random(36).tolist()}
    base = SparseNN(SparseNNConfig(fabric=SMALL, samples=1)).run(layers, SVD)
    dealt = SparseNN(SparseNNConfig(fabric=SMALL, samples=1, row_mapping="frequency")).run(
        layers, {**SVD, "row_frequency": frequency}
    )
    assert "row_frequency" not in dealt.workload
    for a, b in zip(base.layers, dealt.layers, strict=True):
        assert b.extra["check_passed"]
        for key in ("feed_forward_macs_per_inference", "predicted_output_density"):
            assert a.extra[key] == b.extra[key], key
    with pytest.raises(ConfigError, match=r"row_mapping 'frequency' needs the workload's row_freq"):
        SparseNN(SparseNNConfig(fabric=SMALL, samples=1, row_mapping="frequency")).run(layers, SVD)
