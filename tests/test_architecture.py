"""The shape of zoo_core: layers that only import downwards, specs readable without torch,
controls checked in one place, plugin commands, eval and compare as library functions."""

import ast
import json
import subprocess
import sys
import types
from pathlib import Path

import pytest

from zoo_core import Control, ControlError, hookimpl
from zoo_core.controls import parse_controls
from zoo_core.plugins import manager as plugins

ROOT = Path(__file__).parent.parent
CORE = ROOT / "zoo_core"

#: Bottom to top; a module may import its own layer or lower ones, never higher ones.
LAYERS = [
    {"errors", "controls", "io", "catalog"},
    {"spec", "color"},
    {"models"},
    {"weights"},
    {"render"},
    {"plugins"},
    {"training", "evaluation", "testing", "distributed"},
    {"cli"},
]
LAYER_OF = {name: i for i, names in enumerate(LAYERS) for name in names}


def _part(module: str) -> str:
    """The top-level part of zoo_core a module (or a name of the public API) lives in."""
    import zoo_core

    if not module.startswith("zoo_core."):
        return ""
    name = module.split(".")[1]
    if name == "__version__":
        return ""
    return zoo_core._EXPORTS[name].split(".")[0] if name in zoo_core._EXPORTS else name


def _imports(path: Path) -> list[tuple[int, str]]:
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    if path.name == "__init__.py":
        package = package.rsplit(".", 1)[0] + ".__init__"
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: -node.level]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names = [f"{target}.{a.name}" for a in node.names] if target == "zoo_core" else [target]
            found += [(node.lineno, n) for n in names]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
    return found


def test_core_modules_import_only_downwards():
    offenders = []
    for path in sorted(CORE.rglob("*.py")):
        if path.parent == CORE and path.name == "__init__.py":
            continue  # the public API re-exports everything, lazily
        own = path.relative_to(CORE).parts[0].removesuffix(".py")
        for line, target in _imports(path):
            other = _part(target)
            if not other or other == own or other == "__init__":
                continue
            if LAYER_OF[other] > LAYER_OF[own]:
                offenders.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    assert not offenders, "\n".join(offenders)


def test_every_core_module_is_in_a_layer():
    parts = {p.relative_to(CORE).parts[0].removesuffix(".py") for p in CORE.iterdir() if p.name != "__pycache__"}
    assert parts - {"__init__"} <= set(LAYER_OF), parts - set(LAYER_OF)


def test_list_info_and_help_do_not_import_torch():
    """Specs are data: listing models, their weights and controls builds nothing."""
    code = (
        "import sys; from typer.testing import CliRunner; from zoo_core.cli import app; r = CliRunner();"
        "assert r.invoke(app, ['list']).exit_code == 0; assert r.invoke(app, ['info', 'zhang-rebal']).exit_code == 0;"
        "assert r.invoke(app, ['run', '--help']).exit_code == 0; print('torch' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_controls_are_typed_and_checked():
    controls = (
        Control("temperature", "float", 0.38, "t", minimum=0.0),
        Control("colors", "str", None, "c", choices=("red", "blue")),
        Control("hint", lambda text: tuple(int(v) for v in text.split(",")), None, "h", repeatable=True),
        Control("steps", "int", 3, "n", minimum=1, maximum=9),
    )
    values = parse_controls(controls, [("temperature", "0.5"), ("hint", "1,2"), ("hint", "3,4"), ("steps", "4")])
    assert values == {"temperature": 0.5, "hint": ((1, 2), (3, 4)), "steps": 4}
    for given, message in [
        ({"temprature": "1"}, "has no control 'temprature'.*did you mean temperature"),
        ({"temperature": "hot"}, "control temperature: .*number, got 'hot'"),
        ({"temperature": "nan"}, "control temperature: .*finite"),
        ({"temperature": float("inf")}, "control temperature: .*finite"),
        ({"temperature": -1}, "control temperature: must be >= 0"),
        ({"colors": "green"}, "control colors: expected one of red, blue"),
        ({"steps": "2.5"}, "control steps: expected an integer"),
        ({"steps": 10}, "control steps: must be <= 9"),
        ({"hint": "x"}, "control hint: "),
    ]:
        with pytest.raises(ControlError, match=message):
            parse_controls(controls, given, model="m")
    with pytest.raises(ControlError, match="given twice"):
        parse_controls(controls, [("steps", "1"), ("steps", "2")])


def test_info_lists_weight_sets_controls_and_running_parameters(cli):
    info = cli("info", "zhang-rebal")
    assert info.exit_code == 0
    text = " ".join(info.output.split())
    assert "8,083,147 parameters (zhang-rebal.compact)" in text  # what runs offline, not the paper's 32.2M
    assert "zhang-rebal.paper: downloadable, 32,236,011 parameters, BSD-2-Clause" in text
    assert "colorization_release_v2-9b330a0b.pth" in text
    assert "temperature (float, 0 <= value, default 0.38)" in text
    listing = cli("list")
    assert "8,083,147" in listing.output and "compact: bundled" in " ".join(listing.output.split())


def test_plugins_add_commands(monkeypatch, cli):
    @hookimpl
    def register_commands(cli):
        @cli.command("hello")
        def hello(name: str = "world") -> None:
            print(f"hello {name} from a plugin")

    @hookimpl
    def broken_commands(cli):
        raise RuntimeError("cannot")

    zoo = plugins.Zoo().load_defaults()
    zoo.add_plugin(types.SimpleNamespace(register_commands=register_commands), "greeter")
    assert zoo.plugins["greeter"].status == "ok"
    import typer

    app = typer.Typer()

    @app.command("noop")
    def noop() -> None:
        pass

    failing = types.SimpleNamespace(register_commands=broken_commands)
    zoo.add_plugin(failing, "failing")
    assert zoo.register_commands(app) == ["failing"]
    assert "register_commands failed" in zoo.plugins["failing"].error
    from typer.testing import CliRunner

    result = CliRunner().invoke(app, ["hello", "--name", "zoo"])
    assert result.exit_code == 0 and "hello zoo from a plugin" in result.output


def test_eval_and_compare_are_library_functions(tmp_path, weights_dir):
    import numpy as np
    from PIL import Image
    from skimage import data

    from zoo_core.evaluation.compare import compare
    from zoo_core.evaluation.evaluate import evaluate_model, load_contender

    folder = tmp_path / "truth"
    folder.mkdir()
    for name in ("astronaut", "coffee"):
        Image.fromarray(np.asarray(getattr(data, name)())).resize((64, 64)).save(folder / f"{name}.png")
    result = evaluate_model(load_contender(str(weights_dir), "cpu"), folder, size=64)
    assert result.images == 2 and [r["model"] for r in result.rows] == ["grayscale", "zhang-rebal"]
    report = tmp_path / "report"
    comparison = compare([str(weights_dir)], folder, size=64, sweep=False)
    assert not report.exists() and comparison.files == {}  # nothing written unless asked
    files = comparison.write(report)
    assert set(files) >= {"report.md", "metrics.json", "grid.png"} and (report / "report.md").is_file()
    assert json.loads((report / "metrics.json").read_text())["meta"]["images"] == 2
