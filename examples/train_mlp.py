"""Train a deep sigmoid MLP and a ReLU + He one for a few steps with gradtui's recorder.

    python examples/train_mlp.py [OUT_DIR]        # writes OUT_DIR/sigmoid.jsonl and relu_he.jsonl
    gradtui --open OUT_DIR/sigmoid.jsonl          # then look at them

CPU only, a few seconds. The task: a fixed random regression (inputs ~ N(0, 1), targets from a
random tanh teacher), mean squared error, SGD.
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch
from torch import nn

from gradtui.probe import Recorder

DEPTH, WIDTH, BATCH, STEPS, EVERY = 12, 64, 64, 40, 5


def mlp(activation: type[nn.Module], init) -> nn.Sequential:
    layers: list[nn.Module] = []
    for _ in range(DEPTH):
        linear = nn.Linear(WIDTH, WIDTH)
        init(linear.weight)
        nn.init.zeros_(linear.bias)
        layers += [linear, activation()]
    layers.append(nn.Linear(WIDTH, 1))
    return nn.Sequential(*layers)


def train(model: nn.Module, path: Path, lr: float, seed: int = 0) -> float:
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(BATCH, WIDTH, generator=gen)
    teacher = torch.randn(WIDTH, 1, generator=gen) / WIDTH**0.5
    y = torch.tanh(x @ teacher)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    with Recorder(model, path, every=EVERY, updates=True) as rec:
        for step in range(STEPS):
            loss = nn.functional.mse_loss(model(x), y)
            opt.zero_grad()
            loss.backward()
            rec.step(step, loss)
            opt.step()
            rec.after_update()
    return loss.item()


def main(out_dir: str | Path = ".") -> list[Path]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    runs = [("sigmoid.jsonl", mlp(nn.Sigmoid, nn.init.xavier_normal_), 0.1),
            ("relu_he.jsonl", mlp(nn.ReLU, lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu")), 0.01)]
    paths = []
    for name, model, lr in runs:
        loss = train(model, out / name, lr)
        print(f"{out / name}: {DEPTH} layers, {STEPS} steps, final loss {loss:.4g}")
        paths.append(out / name)
    return paths


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
