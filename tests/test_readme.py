"""Every ``colorzoo`` command the README documents runs, as written, in a folder holding the files it
names (made here). Commands that need the network, a GPU or a family that is not installed are
skipped by name; long trainings are shortened (steps, crop, width) but keep every flag."""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from skimage import data

from zoo_core import create_model

ROOT = Path(__file__).parent.parent
BIN = Path(sys.executable).parent


def readme_commands() -> list[str]:
    """The colorzoo command lines of the README's bash blocks (continuations joined, comments dropped)."""
    text = (ROOT / "README.md").read_text()
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        joined = re.sub(r"\\\n\s*", " ", block)
        for line in joined.splitlines():
            line = line.split(" #")[0].strip()
            if line.startswith("colorzoo "):
                commands.append(line)
    return commands


def _skip_reason(command: str, installed: set[str]) -> str | None:
    words = shlex.split(command)
    if words[1] in ("download", "publish", "search") or any(w.startswith("hf-hub:") for w in words):
        return "needs the network"
    if words[1] == "serve":
        return "a server, running until stopped (tests/test_serve.py starts one)"
    if "cuda" in words and not torch.cuda.is_available():
        return "needs a GPU"
    if "[" in command:
        return "has placeholders"
    if "splits/" in command:
        return "needs the photos of ../shared/data, which tests never read"
    positional = words[2:3] if words[1] in ("run", "info", "train", "eval", "export") else []
    if words[1] in ("compare", "bench"):  # every model before the first option
        positional = [w for w in words[2:next((i for i, w in enumerate(words) if w.startswith("-")), len(words))]]
    for word in positional:
        model = word.split(".")[0]
        if "/" not in model and model not in installed:
            return f"{model} is not installed"
    return None


def _shortened(command: str) -> list[str]:
    words = shlex.split(command)
    if words[1] == "train":
        replace = {"--steps": "2", "--batch-size": "2", "--crop": "32"}
        words = [replace.get(words[i - 1], w) if i else w for i, w in enumerate(words)]
        if "--resume" in words:
            words[words.index("--steps") + 1] = "3"
        elif "--init" not in words and "--set" not in words:
            words += ["--set", "width_mult=0.125"]
        words += ["--workers", "0", "--eval-every", "1", "--checkpoint-every", "1"]
        if "--batch-size" not in words:
            words += ["--batch-size", "2", "--crop", "32"]
    return words


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """The files the README's commands name."""
    root = tmp_path_factory.mktemp("readme")
    gray = (np.asarray(Image.fromarray(data.astronaut()).convert("L").resize((96, 96))))
    Image.fromarray(gray).save(root / "photo.png")
    Image.fromarray(gray).save(root / "photo.jpg")
    for folder, count in (("old", 2), ("scans", 1), ("photos", 8), ("cars", 4), ("val", 4)):
        (root / folder).mkdir()
        for i in range(count):
            image = Image.fromarray(getattr(data, ("coffee", "chelsea", "astronaut", "rocket")[i % 4])()[..., :3])
            suffix = ".jpg" if folder == "old" else ".png"
            image.resize((64, 48)).rotate(15 * i).save(root / folder / f"{folder}{i}{suffix}")
    from zoo_core.video import synthetic

    synthetic.write_clip(root / "clip.mp4", synthetic.shot(data.astronaut(), "pan-right", 6, (48, 64)), 25)
    (root / "clips").mkdir()
    synthetic.write_clip(root / "clips" / "walk.mp4", synthetic.shots([data.astronaut(), data.coffee()], 4, (48, 64)))
    torch.manual_seed(0)
    create_model("zhang-rebal", width_mult=0.125).save_pretrained(root / "my-model")
    state = {k: v for k, v in create_model("zhang-rebal").state_dict().items() if "num_batches" not in k}
    torch.save(state, root / "colorization_release_v2-9b330a0b.pth")  # the release's layout (not its bytes)
    return root


def test_the_readme_documents_colorzoo_commands():
    commands = readme_commands()
    assert len(commands) >= 15 and any(c.startswith("colorzoo run zhang-rebal") for c in commands)


def test_readme_commands_run(workspace):
    env = {**os.environ, "COLORZOO_OFFLINE": "1", "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "2")}
    names = "from zoo_core import list_models; print(' '.join(s.name for s in list_models()))"
    installed = set(subprocess.run([sys.executable, "-c", names], capture_output=True, text=True, env=env,
                                   cwd=workspace).stdout.split())
    assert "zhang-rebal" in installed
    ran, skipped, failed = [], [], []
    for command in readme_commands():
        reason = _skip_reason(command, installed)
        if reason:
            skipped.append(f"{command}  ({reason})")
            continue
        words = _shortened(command)
        done = subprocess.run([str(BIN / "colorzoo"), *words[1:]], cwd=workspace, capture_output=True, text=True,
                              env=env, timeout=900)
        (ran if done.returncode == 0 else failed).append(f"{command}: {done.stderr.strip()[-400:]}")
    assert not failed, "\n".join(failed)
    assert len(ran) >= 12, (ran, skipped)


def test_readme_python_runs(workspace):
    """The README's Python block, offline, in the same workspace (the Hub line needs the network)."""
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    assert blocks, "the README shows the Python API"
    code = "\n".join(line for line in blocks[0].splitlines() if "hf-hub:" not in line)
    env = {**os.environ, "COLORZOO_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-c", code], cwd=workspace, capture_output=True, text=True, env=env,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    colored = Image.open(workspace / "photo_color.png")
    assert colored.size == Image.open(workspace / "photo.jpg").size
    assert np.asarray(colored.convert("HSV"))[..., 1].mean() > 5  # colored, not gray
