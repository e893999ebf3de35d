"""The Recorder's overhead on a 20-layer MLP training step (width 256, batch 64, float32, SGD, CPU).

    python benchmarks/probe.py

Bare steps, steps recorded every step and every 10th step are timed side by side, interleaved in
rounds, in one process; the ratios to the bare step's median are printed.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import torch
from torch import nn

from gradtui.probe import Recorder

DEPTH, WIDTH, BATCH, STEPS, ROUNDS = 20, 256, 64, 50, 7


def model() -> nn.Sequential:
    torch.manual_seed(0)
    layers: list[nn.Module] = []
    for _ in range(DEPTH):
        layers += [nn.Linear(WIDTH, WIDTH), nn.ReLU()]
    return nn.Sequential(*layers)


def run(net: nn.Module, rec: Recorder | None, x: torch.Tensor, y: torch.Tensor) -> float:
    opt = torch.optim.SGD(net.parameters(), lr=1e-3)
    t0 = time.perf_counter()
    for step in range(STEPS):
        loss = nn.functional.mse_loss(net(x), y)
        opt.zero_grad()
        loss.backward()
        if rec is not None:
            rec.step(step, loss)
        opt.step()
    return (time.perf_counter() - t0) / STEPS


def main() -> None:
    torch.set_num_threads(1)
    x, y = torch.randn(BATCH, WIDTH), torch.randn(BATCH, WIDTH)
    nets = {name: model() for name in ("bare", "every 1", "every 10")}
    times: dict[str, list[float]] = {name: [] for name in nets}
    with tempfile.TemporaryDirectory() as tmp:
        recs = {"every 1": Recorder(nets["every 1"], Path(tmp) / "a.jsonl", every=1),
                "every 10": Recorder(nets["every 10"], Path(tmp) / "b.jsonl", every=10)}
        for rec in recs.values():
            rec.__enter__()
        try:
            for name, net in nets.items():  # warm-up
                run(net, recs.get(name), x, y)
            for _ in range(ROUNDS):
                for name, net in nets.items():
                    times[name].append(run(net, recs.get(name), x, y))
        finally:
            for rec in recs.values():
                rec.close()
        size = (Path(tmp) / "a.jsonl").stat().st_size
        lines = (Path(tmp) / "a.jsonl").read_text().count("\n")
    bare = statistics.median(times["bare"])
    print(f"{DEPTH}-layer ReLU MLP, width {WIDTH}, batch {BATCH}, float32, 1 thread, {STEPS} steps × {ROUNDS} rounds")
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"  {name:9s} {med * 1e3:7.2f} ms/step   × {med / bare:.2f} of the bare step")
    print(f"  file: {size / max(lines - 1, 1) / 1024:.1f} kB per recorded step ({2 * DEPTH} modules)")


if __name__ == "__main__":
    main()
