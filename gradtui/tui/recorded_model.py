"""What gradtui shows of a recorded run (``gradtui --open FILE``), without Textual.

One step of a :class:`~gradtui.probe.ProbeRun` becomes the chart's result (all modules; in the weight
view the modules with a weight), the verdict with the checklist's findings, and, for a plain MLP,
gradtui's own simulation beside it (``m``). ``--open FILE --json`` / ``--print`` are written here
too; the interactive view (tui/recorded.py) lays the same pieces out.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from gradtui.engine import Result
from gradtui.probe import ProbeRun
from gradtui.probe.as_result import recorded_result
from gradtui.probe.simulate import Simulation, plain_mlp
from gradtui.render.numbers import fmt_value, format_pow10
from gradtui.render.text import asciify


@dataclass(frozen=True)
class Chart:
    """What the chart draws: ``result`` over the modules ``keep`` (0-based), maybe an ``overlay``."""

    result: Result
    keep: tuple[int, ...]
    overlay: Result | None = None
    #: one line saying what the bars are
    note: str = ""


def chart_of(run: ProbeRun, step: int | None, view: str, sim: Simulation | None = None,
             sim_result: Result | None = None) -> Chart:
    """The chart of ``step`` in ``view``; with ``sim``/``sim_result`` (grad and forward views) the
    hidden layers' outputs only, ÷ the last hidden layer's, with the simulation as the overlay."""
    layers = run.layers(step)
    if sim is not None and sim_result is not None and view != "weight":
        keep = sim.hidden
        result = recorded_result(layers, keep, anchor=keep[-1])
        what = " ÷ the last's" if view == "grad" else ""
        note = f"bars: {len(keep)} hidden outputs{what}; • gradtui sampled: {sim.guessed}"
        return Chart(result, tuple(keep), sim_result, note)
    if view == "weight":
        keep = tuple(i for i, r in enumerate(layers) if r["weight_grad"] is not None)
        if keep:
            return Chart(recorded_result(layers, keep), keep,
                         note=f"‖∂L/∂weight‖ of the {len(keep)} modules with a weight (of {len(layers)})")
    keep = tuple(range(len(layers)))
    return Chart(recorded_result(layers), keep, note=f"all {len(layers)} modules in forward order")


def simulate(run: ProbeRun) -> tuple[Simulation | None, Result | None, str | None]:
    """(simulation, its result, None) for a plain MLP, else (None, None, why not)."""
    from gradtui.engine import compute

    sim = plain_mlp(run)
    if isinstance(sim, str):
        return None, None, sim
    try:
        return sim, compute(sim.config), None
    except ValueError as error:
        return None, None, f"cannot simulate it: {error}"


def verdict_words(run: ProbeRun, step: int | None) -> tuple[str, str]:
    """(regime, the verdict line) of a step: what reaches layer 1, relative to the last module."""
    s = run.summary(step)
    layers = run.layers(step)
    regime, first = s["regime"], s["log10_grad_first"]
    if first is None:
        return regime, f"{regime.upper()} — no gradient reaches the modules (step {s['step']})"
    at = s["regime_layer"]
    r = layers[at - 1]
    where = f"layer {at} ({r['name']}, {r['kind']})"
    if abs(first) < 0.05:
        gets = f"{where} gets {10.0**first:.2f}× the last module's gradient"
        change = "nothing lost"
    else:
        gets = (f"{where} gets {format_pow10(first)}"
                f"{' of' if first < 0 else ' times'} the last module's gradient")
        change = f"{abs(first):.1f} decades {'lost' if first < 0 else 'gained'}"
    return regime, f"{regime.upper()} — {gets}: {change} over {len(layers)} modules"


def findings_text(run: ProbeRun, step: int | None) -> str:
    found = run.summary(step)["findings"]
    return "findings: " + "; ".join(found) if found else "findings: none of the checklist fires"


def weight_total_text(run: ProbeRun, step: int | None, clip: float | None) -> str:
    """The weight view's readout: ‖∂L/∂θ‖ over every parameter, against the clip norm."""
    total = run.summary(step)["weight_grad_total"]
    if total is None or not math.isfinite(total):
        return "total ‖∂L/∂θ‖ unknown"
    text = f"total ‖∂L/∂θ‖ {fmt_value(total)} (every parameter)"
    if clip is None:
        return text + "; k sets a clip norm"
    if total > clip:
        return text + f" > clip {clip:g}: clip_grad_norm_ scales every step by {fmt_value(clip / total)}"
    return text + f" ≤ clip {clip:g}: no clipping"


def module_lines(run: ProbeRun, step: int | None) -> list[str]:
    """One line per module: number, name, kind and its numbers."""
    out = []
    width = max((len(r["name"]) for r in run.layers(step)), default=4)
    for r in run.layers(step):
        lg = r["log10_grad"]
        grad = "0" if r["grad"] == 0.0 else ("unknown" if lg is None else format_pow10(lg))
        wg = "" if r["weight_grad"] is None else f"  ‖∂L/∂W‖ {fmt_value(r['weight_grad'])}"
        std = "" if r["act_std"] is None else f"  act std {fmt_value(r['act_std'])}"
        dead = "" if not r["dead_frac"] else f"  dead {100 * r['dead_frac']:.0f} %"
        out.append(f"{r['layer']:>4}  {r['name']:<{width}}  {r['kind']:<10} grad {grad}{wg}{std}{dead}")
    return out


def print_text(run: ProbeRun, step: int | None, width: int, height: int, *, color: bool,
               ascii: bool) -> str:
    """``--open FILE --print``: the chart, the verdict, the findings and the modules."""
    from gradtui.render.bars import render_chart

    chart = chart_of(run, step, "grad")
    record = run.record(step)
    head = (f"{run.header.get('model', 'model')} from {run.path}: step {record['step']} "
            f"({run.step_numbers.index(record['step']) + 1} of {len(run.steps)} recorded), "
            f"loss {fmt_value(record['loss'])}")
    text = render_chart(chart.result, width, height, color=color, ascii=ascii)
    out = [head, *(line.rstrip() for line in text.split("\n"))]
    out += [verdict_words(run, step)[1], findings_text(run, step), *module_lines(run, step)]
    text = "\n".join(out) + "\n"
    return asciify(text) if ascii else text


def json_text(run: ProbeRun, step: int | None) -> str:
    return json.dumps(run.to_json_document(step), allow_nan=False, indent=2)


def open_run(path: str, follow: bool) -> ProbeRun:
    """The run at ``path``; with ``follow`` an empty file (a run about to write) is not an error."""
    from gradtui.probe import ProbeFileError, read_probe

    try:
        return read_probe(path)
    except ProbeFileError as error:
        if follow and error.reason.startswith(("empty file", "the header line is incomplete")):
            return ProbeRun(path)
        raise
