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
from zoo_core.controls import ControlType, parse_controls
from zoo_core.plugins import manager as plugins

ROOT = Path(__file__).parent.parent
CORE = ROOT / "zoo_core"

#: Bottom to top; a module may import its own layer or lower ones, never higher ones.
LAYERS = [
    {"errors", "settings", "controls", "io", "catalog"},
    {"spec", "color"},
    {"models"},
    {"weights"},
    {"render", "video"},
    {"plugins"},
    {"training", "evaluation", "testing", "distributed"},
    {"ui"},
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
        Control(name="temperature", type="float", default=0.38, help="t", minimum=0.0),
        Control(name="colors", type="str", help="c", choices=("red", "blue")),
        Control(name="hint", type="point-color", help="h", repeatable=True),
        Control(name="steps", type="int", default=3, help="n", minimum=1, maximum=9),
        Control(name="size", type="int", default=64, help="s", minimum=32, step=32),
        Control(name="pair", type=ControlType(name="A,B", parse=lambda t: tuple(int(v) for v in t.split(","))),
                help="p"),
    )
    values = parse_controls(controls, [("temperature", "0.5"), ("hint", "1,2,#ff0000"), ("hint", "3,4,#0000ff"),
                                       ("steps", "4"), ("size", "96"), ("pair", "5,6")])
    assert values == {"temperature": 0.5, "hint": ((1, 2, (1.0, 0.0, 0.0)), (3, 4, (0.0, 0.0, 1.0))), "steps": 4,
                      "size": 96, "pair": (5, 6)}
    for given, message in [
        ({"temprature": "1"}, "has no control 'temprature'.*did you mean temperature"),
        ({"temperature": "hot"}, "control temperature: .*number, got 'hot'"),
        ({"temperature": "nan"}, "control temperature: .*finite"),
        ({"temperature": float("inf")}, "control temperature: .*finite"),
        ({"temperature": -1}, "control temperature: must be >= 0"),
        ({"colors": "green"}, "control colors: expected one of red, blue"),
        ({"steps": "2.5"}, "control steps: expected an integer"),
        ({"steps": 10}, "control steps: must be <= 9"),
        ({"hint": "x"}, "control hint: expected X,Y,#RRGGBB"),
        ({"hint": "1,2,red"}, "control hint: expected a color as #RRGGBB"),
        ({"size": "80"}, "control size: must be a multiple of 32 from 32"),
        ({"pair": "5,x"}, "control pair: invalid literal"),
    ]:
        with pytest.raises(ControlError, match=message):
            parse_controls(controls, given, model="m")
    with pytest.raises(ControlError, match="given twice"):
        parse_controls(controls, [("steps", "1"), ("steps", "2")])
    # a control type is one declaration: name, parser and the widget a user interface shows
    assert [c.widget for c in controls] == ["number", "choice", "point-color", "integer", "integer", "text"]
    assert controls[4].to_dict()["step"] == 32 and controls[2].to_dict()["type"] == "X,Y,#RRGGBB"
    with pytest.raises(TypeError, match="ControlType"):
        Control(name="bare", type=lambda text: text)  # a bare parser has no name and no widget
    with pytest.raises(ValueError, match="ordered types only"):
        Control(name="flag", type="bool", minimum=0)


def test_info_lists_weight_sets_controls_and_running_parameters(cli):
    info = cli("info", "zhang-rebal")
    assert info.exit_code == 0
    text = " ".join(info.output.split())
    assert "8,083,147 parameters (zhang-rebal.compact)" in text  # what runs offline, not the paper's 32.2M
    assert "zhang-rebal.paper: downloadable, 32,236,011 parameters, BSD-2-Clause" in text
    assert "colorization_release_v2-9b330a0b.pth" in text
    assert "temperature (float, 0 <= value, default 0.38, also --temperature)" in text
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


def test_families_use_the_public_plugin_api_only():
    """colorzoo's own families (and the example plugin) import nothing from the core but ``zoo_core`` itself:
    the plugin API is one documented namespace."""
    import zoo_core

    offenders = []
    modules = [*ROOT.glob("plugins/*/colorzoo_*/*.py"), *(ROOT / "tests" / "example_plugin").rglob("*.py")]
    assert len(modules) > 20
    for path in modules:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("zoo_core."):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {node.module}")
            elif isinstance(node, ast.ImportFrom) and node.module == "zoo_core":
                missing = [a.name for a in node.names if a.name not in zoo_core.__all__]
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                offenders += [f"{where} imports zoo_core.{n}, which it does not export" for n in missing]
            elif isinstance(node, ast.Import) and any(a.name.startswith("zoo_core.") for a in node.names):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} imports a zoo_core submodule")
    assert not offenders, "\n".join(offenders)


def test_plugin_declarations_do_not_import_torch():
    """Each family's plugin.py is specs only, so `colorzoo list` reads every family without torch."""
    for path in ROOT.glob("plugins/*/colorzoo_*/plugin.py"):
        package = path.parent.name
        code = (f"import sys; sys.path.insert(0, {str(path.parent.parent)!r}); import {package}.plugin; "
                "print('torch' in sys.modules)")
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0 and result.stdout.strip() == "False", (path, result.stderr)
