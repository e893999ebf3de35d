"""The recorder against the real torch: its norms equal autograd's, it never changes a gradient,
and it leaves no hook behind."""

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from gradtui.probe import Recorder, check, read_probe, readout_loss  # noqa: E402

REL = 1e-10


def sigmoid_mlp(depth=10, width=16):
    torch.manual_seed(0)
    layers = []
    for _ in range(depth):
        layers += [nn.Linear(width, width), nn.Sigmoid()]
    return nn.Sequential(*layers).double()


def small_cnn():
    torch.manual_seed(1)
    return nn.Sequential(
        nn.Conv2d(3, 6, 3, padding=1), nn.BatchNorm2d(6), nn.ReLU(inplace=True), nn.MaxPool2d(2),
        nn.Conv2d(6, 8, 3), nn.Tanh(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 5),
    ).double()


def independent_norms(model, x, loss_fn):
    """‖∂L/∂output‖ per leaf module and ‖∂L/∂θ‖ per parameter, from torch.autograd.grad alone."""
    outputs = []
    handles = [m.register_forward_hook(lambda m, a, out: outputs.append(out))
               for m in model.modules() if not list(m.children())]
    try:
        loss = loss_fn(model(x))
    finally:
        for h in handles:
            h.remove()
    params = list(model.parameters())
    grads = torch.autograd.grad(loss, outputs + params, allow_unused=True)
    out_norms = [torch.linalg.vector_norm(g).item() for g in grads[: len(outputs)]]
    return out_norms, {id(p): torch.linalg.vector_norm(g).item() for p, g in zip(params, grads[len(outputs):])}


@pytest.mark.parametrize("build, shape", [(sigmoid_mlp, (8, 16)), (small_cnn, (4, 3, 8, 8))])
def test_check_norms_equal_autograd(tmp_path, build, shape):
    model = build()
    x = torch.randn(*shape, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    if any(isinstance(m, nn.ReLU) and m.inplace for m in model.modules()):
        for m in model.modules():  # autograd.grad w.r.t. a tensor modified in place is not defined
            if isinstance(m, nn.ReLU):
                m.inplace = False
    out_norms, param_norms = independent_norms(model, x, readout_loss)
    run = check(model, x, path=tmp_path / "c.jsonl")
    layers = run.layers()
    assert [l["grad_norm"] for l in layers] == pytest.approx(out_norms, rel=REL)
    last = out_norms[-1]
    assert [l["grad"] for l in layers] == pytest.approx([g / last for g in out_norms], rel=REL)
    leaves = [m for m in model.modules() if not list(m.children())]
    rec = run.record()
    for module, entry in zip(leaves, rec["modules"]):
        for p, stats in zip(module.parameters(), entry["params"]):
            assert stats["grad_norm"] == pytest.approx(param_norms[id(p)], rel=REL)
            assert stats["norm"] == pytest.approx(torch.linalg.vector_norm(p).item(), rel=REL)


def test_inplace_relu_keeps_the_gradient_of_the_tensor_before_it(tmp_path):
    model, x = small_cnn(), torch.randn(4, 3, 8, 8, dtype=torch.float64)
    inplace = check(model, x, path=tmp_path / "a.jsonl").layers()
    for m in model.modules():
        if isinstance(m, nn.ReLU):
            m.inplace = False
    plain = check(model, x, path=tmp_path / "b.jsonl").layers()
    assert [l["grad_norm"] for l in inplace] == pytest.approx([l["grad_norm"] for l in plain], rel=REL)


def test_check_leaves_grads_buffers_and_hooks_as_they_were(tmp_path):
    model = small_cnn()
    x = torch.randn(4, 3, 8, 8, dtype=torch.float64)
    buffers = {k: b.clone() for k, b in model.named_buffers()}
    check(model, x, path=tmp_path / "c.jsonl")
    assert all(p.grad is None for p in model.parameters())
    assert all(torch.equal(b, buffers[k]) for k, b in model.named_buffers())
    assert not any(m._forward_hooks for m in model.modules())


def test_check_removes_its_hooks_on_an_exception(tmp_path):
    model = sigmoid_mlp()

    def broken(out):
        raise RuntimeError("loss failed")

    with pytest.raises(RuntimeError, match="loss failed"):
        check(model, torch.randn(2, 16, dtype=torch.float64), broken, path=tmp_path / "c.jsonl")
    assert not any(m._forward_hooks for m in model.modules())
    assert not (tmp_path / "c.jsonl").exists()


def train(model, steps, path=None, every=1, updates=False):
    """SGD steps; the .grad tensors after every backward (and the file when recorded)."""
    torch.manual_seed(5)
    x, y = torch.randn(8, 16, dtype=torch.float64), torch.randn(8, 16, dtype=torch.float64)
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    seen = []
    rec = Recorder(model, path, every=every, updates=updates) if path else None
    if rec:
        rec.__enter__()
    try:
        for step in range(steps):
            loss = ((model(x) - y) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            seen.append([p.grad.clone() for p in model.parameters()])
            if rec:
                rec.step(step, loss)
            opt.step()
            if rec:
                rec.after_update()
    finally:
        if rec:
            rec.__exit__(None, None, None)
    return seen


def test_recorder_never_changes_a_gradient(tmp_path):
    bare = train(sigmoid_mlp(), 6)
    probed = train(sigmoid_mlp(), 6, tmp_path / "r.jsonl", every=2, updates=True)
    for a, b in zip(bare, probed):
        assert all(torch.equal(g, h) for g, h in zip(a, b))
    run = read_probe(tmp_path / "r.jsonl")
    assert run.step_numbers == [0, 2, 4]
    assert all(l["update_ratio"] is not None for l in run.layers() if l["kind"] == "Linear")
    assert not any(m._forward_hooks for m in sigmoid_mlp().modules())


def test_recorder_update_ratio_is_the_relative_step(tmp_path):
    model = sigmoid_mlp(depth=2)
    before = [p.detach().clone() for p in model.parameters()]
    train(model, 1, tmp_path / "r.jsonl", updates=True)
    after = list(model.parameters())
    ratio = (torch.linalg.vector_norm(after[0] - before[0]) / torch.linalg.vector_norm(before[0])).item()
    assert read_probe(tmp_path / "r.jsonl").record()["modules"][0]["params"][0]["update_ratio"] == \
        pytest.approx(ratio, rel=REL)


def test_recorder_removes_its_hooks_on_exit_and_on_an_exception(tmp_path):
    model = sigmoid_mlp()
    with pytest.raises(ValueError, match="inside"):
        with Recorder(model, tmp_path / "r.jsonl") as rec:
            assert any(m._forward_hooks for m in model.modules()) and rec.recording
            raise ValueError("inside the block")
    assert not any(m._forward_hooks for m in model.modules())
    train(model, 2, tmp_path / "s.jsonl")
    assert not any(m._forward_hooks for m in model.modules())


def test_unrecorded_steps_do_no_work(tmp_path):
    model = sigmoid_mlp(depth=2)
    with Recorder(model, tmp_path / "r.jsonl", every=3) as rec:
        flags = []
        for step in range(7):
            model(torch.randn(2, 16, dtype=torch.float64)).sum().backward()
            flags.append(rec.step(step))
            if not rec.recording:
                model(torch.randn(2, 16, dtype=torch.float64))
                assert rec._hooks.calls == []
    assert flags == [True, False, False, True, False, False, True]


def test_a_nan_gradient_is_named(tmp_path):
    model = sigmoid_mlp(depth=3)
    x = torch.randn(4, 16, dtype=torch.float64)
    run = check(model, x, lambda out: out.sum() * float("nan"), path=tmp_path / "n.jsonl")
    findings = run.summary()["findings"]
    assert any(f.startswith("NaN in 0.weight") and f.endswith("at step 0") for f in findings)
    assert "loss is NaN at step 0" in findings
