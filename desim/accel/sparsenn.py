"""SparseNN (DATE 2018) and its baselines on the same hardware: the registered designs.

``sparsenn``, ``input-sparse`` and ``dense`` are one class, `SparseNN`, with the flags of
`desim.accel.sparsenn_config`. Each layer of each simulated sample runs in its own `Simulator`
on its own `Fabric` with one `SparsePE` per PE terminal and a `MemoryPort`
(`desim.accel.sparsenn_pe`); every sample's kept rows are checked against torch's
(`check_masked`). The layers are chained by their hand-off (`_handoff`): the next layer starts
when the first PE has finished this one and this one's last input packet is delivered, and the
other PEs join it as they finish, so a layer's ``cycles`` are its share of the inference.

The predicted layers are ``config.predicted_layers`` (default: the workload's
``predicted_layers``, the layers its trained predictor chose, else every ReLU layer); the others
compute every row over their non-zero inputs. The predictor of a predicted layer is
``workload["predictors"][layer.name]`` (a `Predictor`; the trained one of `workloads.predictor`,
see `desim.accel.sparsenn_compare`), or, when the workload asks for it with
``workload["predictors"] = "svd"``, LRADNN's truncated SVD of the layer's weights at the 5 % rank
budget; a predicted layer without either is a `ConfigError`, never a silent substitute. Layers
without a ReLU (the classifier) are never predicted. Each layer consumes its recorded input, so a
workload recorded from the masked network chains the layers as SparseNN would.

References
----------
.. [1] J. Zhu et al., "SparseNN", DATE 2018.
.. [2] S. Han et al., "EIE", ISCA 2016.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from desim.accel.base import Progress, trace_pe_states
from desim.accel.fabric import Fabric
from desim.accel.layer import LayerRecord
from desim.accel.result import AccelResult, LayerResult
from desim.accel.sparsenn_compare import (
    build_from_args,
    check_build_args,
    check_compare_args,
    compare_from_args,
)
from desim.accel.sparsenn_config import DenseFcConfig, InputSparseConfig, SparseNNConfig
from desim.accel.sparsenn_metrics import layer_extra
from desim.accel.sparsenn_pe import PHASES, LayerJob, MemoryPort, SparsePE
from desim.accel.sparsenn_plan import Predictor, check_masked, owners, rank_for, svd_predictor
from desim.config import require
from desim.energy import ActionCounts
from desim.kernel.errors import ConfigError
from desim.kernel.simulator import Simulator
from desim.registry import ACCELERATOR

__all__ = ["SparseNN", "InputSparse", "DenseFc"]


@dataclass
class _Sample:
    """One layer, one sample: what the agents did.

    ``cycles`` is the layer's share of the inference: from its start to the next layer's
    (`_handoff`), or to its last output for the last layer; ``end`` its own last event;
    ``handoff`` each PE's start in the next layer, relative to it.
    """

    cycles: int
    end: int
    handoff: list[int]
    prediction_latency: int
    prediction_critical: int
    busy: list[int]
    counts: ActionCounts
    phases: dict[str, list[int]]
    fabric: Fabric
    noc: Any


def _index_bits(n: int) -> int:
    return max(1, int(n - 1).bit_length())


class SparseNN:
    """SparseNN's distributed array: predictor, masked feed-forward, non-zero input multicast.

    Parameters
    ----------
    config : SparseNNConfig, optional
        Hardware and flags (default: SparseNN on an 8 x 8 mesh).
    seed : int
        The simulators' seed (the model itself draws no random numbers).

    Examples
    --------
    >>> from desim.accel.sparsenn_config import mesh_fabric
    >>> rng = np.random.default_rng(0)
    >>> w = rng.normal(size=(8, 6)).astype(np.float32); x = np.maximum(rng.normal(size=(1, 6)), 0)
    >>> x = x.astype(np.float32)
    >>> b = np.zeros(8, np.float32)
    >>> layer = LayerRecord("fc", "linear", w, b, x, x @ w.T, activation="relu")
    >>> cfg = InputSparseConfig(fabric=mesh_fabric(2), samples=1)
    >>> result = SparseNN(cfg).run([layer], {"model": "toy"})
    >>> result.layers[0].extra["check_passed"]
    True
    """

    Config = SparseNNConfig

    def __init__(self, config: SparseNNConfig | None = None, seed: int = 0) -> None:
        self.config = config or self.Config()
        require(
            isinstance(self.config, SparseNNConfig),
            f"{type(self).__name__} needs a SparseNNConfig, got {type(self.config).__name__}",
        )
        self.seed = seed

    @property
    def arch(self) -> str:
        """The registered name these flags stand for."""
        cfg = self.config
        return "sparsenn" if cfg.predictor else "input-sparse" if cfg.skip_zero_inputs else "dense"

    def predictors(
        self,
        layers: Sequence[LayerRecord],
        given: Mapping[str, Predictor] | str | None,
        trained_for: Sequence[int] | None = None,
    ) -> dict[str, Predictor | None]:
        """Each layer's predictor: ``given[name]``, or the SVD one where ``given`` is ``"svd"``;
        None where the layer is not predicted (``config.predicted_layers``, else every ReLU
        layer; of those, with ``trained_for``, only the layers the workload's predictor got a
        rank for: the cost-aware budget computes a layer in full where no rank pays). Raises
        `ConfigError` for a predicted layer without a predictor or without a ReLU, or an index
        beyond the layers."""
        require(
            given is None or given == "svd" or isinstance(given, Mapping),
            f"workload predictors must be a mapping of layer name to Predictor or 'svd', "
            f"got {given!r}",
        )
        chosen_indices = self.config.predicted_layers
        if self.config.predictor and chosen_indices is not None:
            beyond = sorted(i for i in chosen_indices if i >= len(layers))
            require(
                not beyond,
                f"predicted_layers {beyond} beyond the {len(layers)} layers run "
                f"(valid: 0..{len(layers) - 1})",
            )
        if trained_for is not None:  # a trained predictor's budget may give a layer rank 0
            asked = trained_for if chosen_indices is None else chosen_indices
            chosen_indices = tuple(i for i in asked if i in trained_for)
        chosen: dict[str, Predictor | None] = {}
        for index, layer in enumerate(layers):
            require(
                layer.kind == "linear",
                f"{self.arch} runs linear layers; {layer.name} is a {layer.kind}",
            )
            explicit = chosen_indices is not None and index in chosen_indices
            require(
                not explicit or layer.activation == "relu",
                f"predicted_layers: layer {index} ({layer.name}) has no ReLU to predict",
            )
            left_out = chosen_indices is not None and not explicit
            if not self.config.predictor or layer.activation != "relu" or left_out:
                chosen[layer.name] = None
            elif given == "svd":
                chosen[layer.name] = svd_predictor(layer.weight, rank_for(*layer.weight.shape))
            else:
                require(
                    isinstance(given, Mapping) and layer.name in given,
                    f"layer {index} ({layer.name}) is predicted but the workload has no "
                    "predictor for it; give one, ask for workload predictors = 'svd', or "
                    "leave the layer out of predicted_layers",
                )
                chosen[layer.name] = given[layer.name]  # type: ignore[index]
        return chosen

    def run(
        self,
        layers: Sequence[LayerRecord],
        workload: dict[str, Any],
        progress: Progress | None = None,
        vcd: str | Path | None = None,
    ) -> AccelResult:
        """Simulate ``config.samples`` inferences of ``layers`` (layer by layer, sample by sample);
        with ``vcd``, the first sample's PE states of layer ``i`` go to ``{vcd}.{i}.vcd``."""
        info = {k: v for k, v in workload.items() if k not in ("predictors", "row_frequency")}
        given = workload.get("predictors")
        predictors = self.predictors(layers, given, workload.get("predicted_layers"))
        info["predictor_source"] = (
            "none"
            if all(p is None for p in predictors.values())
            else "svd"
            if given == "svd"
            else "trained"
        )
        samples = min(self.config.samples, *(len(layer.input) for layer in layers))
        plan = _MemoryPlan(self.config, layers, predictors, workload.get("row_frequency"))
        results = []
        starts: list[list[int] | None] = [None] * samples
        for index, layer in enumerate(layers):
            runs = [
                self._simulate(
                    layer,
                    predictors[layer.name],
                    s,
                    index,
                    len(layers),
                    plan,
                    starts[s],
                    f"{vcd}.{index}.vcd" if vcd is not None and s == 0 else None,
                )
                for s in range(samples)
            ]
            starts = [run.handoff for _, run in runs]
            results.append(_layer_result(self, layer, predictors[layer.name], runs))
            if progress:
                progress(index + 1, len(layers), layer.name)
        return AccelResult(self.arch, info, results, clock_ghz=self.config.clock_ghz)

    def _job(
        self,
        layer: LayerRecord,
        predictor: Predictor | None,
        sample: int,
        fabric: Fabric,
        index: int,
        count: int,
        plan: _MemoryPlan,
    ) -> LayerJob:
        cfg = self.config
        m, n = layer.weight.shape
        x = layer.input[sample].astype(np.float32)
        entries = np.flatnonzero(x) if cfg.skip_zero_inputs else np.arange(n)
        entry_bits = cfg.value_bits + (_index_bits(n) if cfg.skip_zero_inputs else 0)
        root, parent = _reduction_tree(fabric)
        return LayerJob(
            x=x,
            weight=layer.weight.astype(np.float32),
            bias=(layer.bias if layer.bias is not None else np.zeros(m)).astype(np.float32),
            predictor=predictor,
            relu=layer.activation == "relu",
            in_owner=plan.in_owners[index],
            out_owner=plan.out_owners[index],
            entries=entries,
            entry_bits=entry_bits,
            chunk=max(1, (fabric.flit_format.max_payload_bits or entry_bits) // entry_bits),
            root=root,
            parent=parent,
            first=index == 0,
            last=index == count - 1,
            weight_bits=cfg.value_bits,
            accumulator_bits=cfg.accumulator_bits,
            multipliers=cfg.multipliers_per_pe,
            sram_latency_cycles=cfg.sram_latency_cycles,
            pe_tids=list(fabric.pe_tids),
            memory_tid=fabric.memory_tid,
            counts=ActionCounts(),
            tree_width_bits=cfg.fabric.flit_width_bits
            if cfg.reduction_network == "dedicated"
            else None,
        )

    def _simulate(
        self,
        layer: LayerRecord,
        predictor: Predictor | None,
        sample: int,
        index: int,
        count: int,
        plan: _MemoryPlan,
        starts: list[int] | None = None,
        vcd: str | None = None,
    ) -> tuple[LayerJob, _Sample]:
        sim = Simulator(seed=self.seed)
        fabric = Fabric(sim, self.config.fabric)
        job = self._job(layer, predictor, sample, fabric, index, count, plan)
        phases: dict[str, list[int]] = defaultdict(lambda: [0, 0])

        def on_delivery(packet: Any) -> None:
            tally = phases[PHASES[packet.payload.payload.kind]]
            tally[0] += packet.flits
            tally[1] += packet.flits * packet.hops

        fabric.network.delivered_hooks.append(on_delivery)
        pes = [
            SparsePE(
                f"pe{i}",
                sim,
                i,
                fabric.pe_terminal(i),
                job,
                plan.banks(i, index),
                starts[i] if starts else 0,
            )
            for i in range(fabric.pes)
        ]
        job.peers = pes
        port = MemoryPort(
            "memory", sim, fabric.memory_terminal, job, self.config.dram_latency_cycles
        )
        with trace_pe_states(sim, [pe.state for pe in pes], vcd):
            sim.run()
        traffic = fabric.snapshot()
        fabric.count_energy(traffic, job.counts)
        end = max(port.done, *(pe.done for pe in pes))
        handover = end if job.last else _handoff(pes)
        run = _Sample(
            cycles=handover,
            end=end,
            handoff=[max(0, pe.done - handover) for pe in pes],
            prediction_latency=max(pe.mask_ready - pe.started for pe in pes),
            prediction_critical=max(pe.done for pe in pes)
            - max(pe.done - pe.predictor_delay for pe in pes),
            busy=[pe.busy_cycles for pe in pes],
            counts=job.counts,
            phases=dict(phases),
            fabric=fabric,
            noc=traffic,
        )
        return job, run


def _handoff(pes: Sequence[SparsePE]) -> int:
    """When the next layer starts: its inputs stream out of each PE as soon as the PE has
    finished (the first to finish starts it), but not before this layer's last input packet
    has been delivered, so the two layers' packets never share the network (the reduction
    tree's words of the next layer go up while this layer's ``z`` comes down: separate links).

    The PEs still computing join the next layer when they finish (`SparsePE` ``start``).
    """
    finished = [pe.done for pe in pes if len(pe.rows)]
    delivered = max((pe.arrivals[-1] for pe in pes if pe.arrivals), default=0)
    return max(min(finished, default=0), delivered)


def _reduction_tree(fabric: Fabric) -> tuple[int, list[int]]:
    """The PE at the topology's centre, and each PE's parent on a breadth-first shortest-path
    tree towards it (the nearest PE on the way; -1 for the root)."""
    graph, router_of = fabric.network.graph, fabric.network.terminal_router
    pe_at = {router_of[t]: i for i, t in enumerate(fabric.pe_tids)}
    centre = min(
        (r for r in nx.barycenter(graph) if r in pe_at), default=router_of[fabric.pe_tids[0]]
    )
    towards = dict(nx.bfs_predecessors(graph, centre))
    parent = []
    for tid in fabric.pe_tids:
        node = router_of[tid]
        if node == centre:
            parent.append(-1)
            continue
        node = towards[node]
        while node not in pe_at:
            node = towards[node]
        parent.append(pe_at[node])
    return pe_at[centre], parent


class _MemoryPlan:
    """Where each layer's rows live, and per-PE SRAM sizes: every layer's share resident at once
    (sized to fit unless given).

    Rows are mapped by ``config.row_mapping``; with ``"frequency"`` each layer's rows are dealt
    by ``frequency[layer.name]`` (their kept frequency on training images, `owners`) and a layer
    the workload gives none for (every row computed: the classifier, a layer not predicted) is
    interleaved. A layer's inputs live where the previous layer's rows do (its outputs stay on
    their PE); the first layer's are interleaved.
    """

    def __init__(
        self,
        config: SparseNNConfig,
        layers: Sequence[LayerRecord],
        predictors: Mapping[str, Predictor | None],
        frequency: Mapping[str, Any] | None = None,
    ) -> None:
        self.config = config
        pes = Fabric(Simulator(), config.fabric).pes
        if config.row_mapping == "frequency" and frequency is None:
            raise ConfigError(
                "row_mapping 'frequency' needs the workload's row_frequency (each "
                "row's kept frequency on training images: desim compare and desim accel give it)"
            )
        self.out_owners: list[np.ndarray] = []
        for layer in layers:
            m = layer.weight.shape[0]
            given = (frequency or {}).get(layer.name)
            mapping = (
                config.row_mapping
                if config.row_mapping != "frequency" or given is not None
                else "interleaved"
            )
            self.out_owners.append(
                owners(m, pes, mapping, None if given is None else np.asarray(given))
            )
        first = "interleaved" if config.row_mapping == "frequency" else config.row_mapping
        self.in_owners = [owners(layers[0].weight.shape[1], pes, first), *self.out_owners[:-1]]
        vb = config.value_bits
        self.needs: list[dict[str, int]] = []
        for layer, ins, outs in zip(layers, self.in_owners, self.out_owners, strict=True):
            m, n = layer.weight.shape
            rows = int(np.bincount(outs, minlength=pes).max())
            cols = int(np.bincount(ins, minlength=pes).max())
            predictor = predictors[layer.name]
            r = predictor.rank if predictor is not None else 0
            self.needs.append(
                {
                    "weight": rows * n * vb // 8,
                    "predictor": (rows + cols) * r * vb // 8,
                    "input": (n + m) * (vb + _index_bits(max(m, n))) // 8,
                }
            )
        given = {
            "weight": config.weight_sram_bytes,
            "predictor": config.predictor_sram_bytes,
            "input": config.input_buffer_bytes,
        }
        self.sizes = {
            kind: given[kind] or _power_of_two(sum(need[kind] for need in self.needs))
            for kind in given
        }

    def banks(self, pe: int, layer: int) -> dict[str, tuple[int, int, int, int]]:
        """``kind -> (capacity bytes, width bits, bytes held by earlier layers, this layer's)``."""
        width = {"weight": self.config.width_bits, "predictor": self.config.width_bits, "input": 64}
        return {
            kind: (
                size,
                width[kind],
                sum(n[kind] for n in self.needs[:layer]),
                self.needs[layer][kind],
            )
            for kind, size in self.sizes.items()
        }


def _power_of_two(nbytes: int) -> int:
    """The next power of two (SRAM energy below the table's smallest size follows its power law)."""
    return 1 << int(max(1, nbytes) - 1).bit_length()


def _layer_result(
    design: SparseNN,
    layer: LayerRecord,
    predictor: Predictor | None,
    runs: list[tuple[LayerJob, _Sample]],
) -> LayerResult:
    """Sum the samples of one layer; check each; collect the SparseNN metrics in ``extra``."""
    counts = ActionCounts()
    noc = runs[0][1].noc
    for _, run in runs:
        counts.merge(run.counts)
    for _, run in runs[1:]:
        noc = noc + run.noc
    checks = [check_masked(layer, s, job.outputs, job.mask) for s, (job, _) in enumerate(runs)]
    cycles = sum(run.cycles for _, run in runs)
    useful = sum(
        int(np.count_nonzero(job.weight[np.ix_(job.mask, job.entries)] * (job.x[job.entries] != 0)))
        for job, _ in runs
    )
    pes = runs[0][1].fabric.pes
    return LayerResult(
        name=layer.name,
        kind=layer.kind,
        cycles=cycles,
        dense_macs=layer.dense_macs * len(runs),
        useful_macs=useful,
        multiplier_cycles=cycles * pes * design.config.multipliers_per_pe,
        counts=counts,
        noc=noc,
        dram_bytes=counts.total("dram") // 8,
        check_error=max(c.error for c in checks),
        extra=layer_extra(design.config, layer, predictor, runs, checks),
    )


ACCELERATOR.register(
    "sparsenn",
    SparseNN,
    kinds=("linear",),
    compare=compare_from_args,
    check_compare=check_compare_args,
    build=build_from_args,
    check_build=check_build_args,
    description="SparseNN (DATE 2018): output-sparsity predictor + input-sparse PEs on a NoC",
)


class InputSparse(SparseNN):
    """The input-sparsity-only baseline (EIE-like) on SparseNN's hardware."""

    Config = InputSparseConfig


class DenseFc(SparseNN):
    """The dense baseline on SparseNN's hardware."""

    Config = DenseFcConfig


ACCELERATOR.register(
    "input-sparse",
    InputSparse,
    kinds=("linear",),
    build=build_from_args,
    check_build=check_build_args,
    description="SparseNN's hardware without the predictor (EIE-like)",
)
ACCELERATOR.register(
    "dense",
    DenseFc,
    kinds=("linear",),
    build=build_from_args,
    check_build=check_build_args,
    description="SparseNN's hardware, every row over every input",
)
