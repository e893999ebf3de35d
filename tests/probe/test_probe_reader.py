"""The probe file reader: every bad file is one clear error; no torch needed."""

import json
import os
import sys

import pytest

from gradtui.probe import MAX_BYTES, ProbeFileError, ProbeRun, read_probe

HEADER = {"format": "gradtui-probe", "version": 1, "model": "Net\x1b[31m\u202e", "every": 1,
          "modules": [
              {"name": "fc1\x07", "kind": "Linear", "params": [{"name": "weight", "shape": [4, 4]}]},
              {"name": "act", "kind": "ReLU", "params": []},
              {"name": "fc2", "kind": "Linear", "params": [{"name": "weight", "shape": [4, 4]}]}]}


def record(step, g1=0.01, dead=0.7, wgrad=0.5):
    return {"step": step, "loss": 1.5, "modules": [
        {"mean": 0.0, "std": 1.0, "dead": 0.0, "saturated": None, "nonfinite": 0, "grad_norm": g1,
         "grad_nonfinite": 0, "params": [{"grad_norm": wgrad, "norm": 2.0, "grad_nonfinite": 0}]},
        {"mean": 0.4, "std": 0.6, "dead": dead, "saturated": None, "nonfinite": 0, "grad_norm": 0.5,
         "grad_nonfinite": 0, "params": []},
        {"mean": 0.0, "std": 1.0, "dead": 0.0, "saturated": None, "nonfinite": 0, "grad_norm": 1.0,
         "grad_nonfinite": 0, "params": [{"grad_norm": 1.0, "norm": 2.0, "grad_nonfinite": 0}]}]}


def write(path, *objs, tail=""):
    path.write_text("".join(json.dumps(o) + "\n" for o in objs) + tail)
    return path


def error_of(path):
    with pytest.raises(ProbeFileError) as e:
        read_probe(path)
    msg = str(e.value)
    assert "\n" not in msg and str(path) in msg
    return msg


def test_a_good_file_gives_per_layer_data(tmp_path):
    run = read_probe(write(tmp_path / "r.jsonl", HEADER, record(0), record(10)))
    assert run.step_numbers == [0, 10]
    doc = run.to_json_document()
    json.dumps(doc, allow_nan=False)
    layers = doc["layers"]
    assert [l["layer"] for l in layers] == [1, 2, 3]
    assert [l["grad"] for l in layers] == pytest.approx([0.01, 0.5, 1.0])
    assert layers[0]["log10_grad"] == pytest.approx(-2.0)
    assert layers[1]["weight_grad"] is None and layers[0]["weight_grad"] == 0.5
    assert doc["summary"]["regime"] == "vanishing"
    assert "layer 2: 70 % dead units (exact zeros)" in doc["summary"]["findings"]
    assert doc["config"]["step"] == 10 and doc["config"]["steps_recorded"] == 2


def test_strings_from_the_file_lose_control_and_bidi_characters(tmp_path):
    run = read_probe(write(tmp_path / "r.jsonl", HEADER, record(0)))
    doc = run.to_json_document()
    assert doc["config"]["model"] == "Net\\x1b[31m\\u202e"  # shown as escape text, never raw
    assert doc["layers"][0]["name"] == "fc1\\x07"


def test_nan_is_named_with_its_parameter_and_step(tmp_path):
    bad = record(120)
    bad["modules"][0]["params"][0] = {"grad_norm": "NaN", "norm": 2.0, "grad_nonfinite": 3}
    run = read_probe(write(tmp_path / "r.jsonl", HEADER, record(110), bad))
    assert "NaN in fc1\\x07.weight grad at step 120" in run.summary()["findings"]
    json.dumps(run.to_json_document(), allow_nan=False)


def test_truncated_last_line_is_left_for_later(tmp_path):
    path = write(tmp_path / "r.jsonl", HEADER, record(0), tail=json.dumps(record(1))[:40])
    run = read_probe(path)
    assert run.step_numbers == [0] and run.truncated


def test_incremental_reread_returns_appended_steps(tmp_path):
    path = write(tmp_path / "r.jsonl", HEADER, record(0), tail=json.dumps(record(1))[:40])
    run = ProbeRun(path)
    assert [r["step"] for r in run.refresh()] == [0]
    with open(path, "w") as f:  # the run finishes its line and writes another
        f.write("".join(json.dumps(o) + "\n" for o in (HEADER, record(0), record(1), record(2))))
    assert [r["step"] for r in run.refresh()] == [1, 2]
    assert run.refresh() == [] and not run.truncated
    assert run.step_numbers == [0, 1, 2]


def test_bad_line_in_the_middle_names_its_line(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps(HEADER) + "\n" + json.dumps(record(0)) + "\n{oops\n" + json.dumps(record(2)) + "\n")
    assert error_of(path).endswith("r.jsonl:3: not valid JSON")


def test_record_of_the_wrong_shape_names_its_line(tmp_path):
    short = record(1)
    short["modules"].pop()
    assert "r.jsonl:3: modules has 2 entries; the header lists 3" in error_of(
        write(tmp_path / "r.jsonl", HEADER, record(0), short))


@pytest.mark.parametrize("content, reason", [
    (b"", "empty file"),
    (b'{"some": "other json"}\n', "not a gradtui-probe file"),
    (b"time,loss\n0,1.5\n", "not a gradtui-probe file"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data"),
    (b"\xff\xfe\xfd\n", "not UTF-8"),
    (json.dumps(HEADER).encode()[:50], "header line is incomplete"),
    (json.dumps({**HEADER, "version": 2}).encode() + b"\n", "format version 2"),
])
def test_bad_files_are_one_clear_error(tmp_path, content, reason):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(content)
    assert reason in error_of(path)


def test_missing_file_and_directory(tmp_path):
    assert "no such file" in error_of(tmp_path / "nope.jsonl")
    assert "is a directory" in error_of(tmp_path)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_device_files_are_refused():
    with pytest.raises(ProbeFileError, match="not a regular file"):
        read_probe("/dev/zero")


@pytest.mark.skipif(sys.platform == "win32", reason="sparse files")
def test_file_over_the_limit_is_refused(tmp_path):
    path = tmp_path / "big.jsonl"
    with open(path, "wb") as f:
        f.truncate(MAX_BYTES + 1)
    assert "over the reader's limit" in error_of(path)


def test_step_not_recorded(tmp_path):
    run = read_probe(write(tmp_path / "r.jsonl", HEADER, record(0), record(5)))
    with pytest.raises(ProbeFileError, match="step 3 is not recorded"):
        run.to_json_document(3)
    assert run.to_json_document(0)["config"]["step"] == 0


def test_reader_imports_neither_torch_nor_textual():
    import subprocess

    code = ("import sys, gradtui.probe as p; p.read_probe; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'textual')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
