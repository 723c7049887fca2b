"""``colorzoo serve`` without a browser: the weight sets offered, the per-model queue and its bounded
set of loaded models, hints, the form built from a third-party plugin's declared controls, a run
through the page's handlers, refused files, the command's own checks, and the temporary folder
(the page served, used, stopped: nothing left anywhere). The browser and the HTTP API: test_serve.py."""

from __future__ import annotations

import ast
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from helpers import install_plugin
from PIL import Image
from serve_helpers import (
    ServeProcess,
    cache_tint_weights,
    chroma,
    files_under,
    gray_photo,
    os_environ,
    serve_env,
    tint_module,
)

from zoo_core.ui import hints
from zoo_core.ui.choices import model_rows, weight_choices
from zoo_core.ui.jobs import ModelPool
from zoo_core.ui.session import Session
from zoo_core.ui.settings import ServeSettings

ROOT = Path(__file__).parent.parent
UI = ROOT / "zoo_core" / "ui"


@pytest.fixture
def tint_zoo(monkeypatch):
    """The installed zoo plus the third-party test plugin, its weights in the cache."""
    from helpers import use_zoo

    zoo = use_zoo(monkeypatch, {"uitest": tint_module()})
    cache_tint_weights()
    return zoo


# -- what the page offers -----------------------------------------------------------------------


def test_weight_sets_offered_as_list_reports_them(tint_zoo):
    from zoo_core import list_models

    choices = {c.value: c for c in weight_choices(list_models())}
    assert choices["zhang-rebal-lite.compact"].status == "bundled"
    assert choices["uitest-tint.plain"].status == "cached"
    paper = choices["zhang-rebal.paper"]
    assert paper.status == "downloadable" and "MB on first use" in paper.label and paper.runnable
    assert "zhang-onehot" not in {c.spec.name for c in choices.values()}  # no weights: listed, not offered
    rows = {(r[0], r[1]): r for r in model_rows(list_models())}
    assert rows[("zhang-onehot", "-")][2].startswith("none")
    assert rows[("zhang-rebal", "compact")][3] == "8,083,147"


# -- one job at a time per model, loaded models kept (a bounded number) --------------------------


def test_jobs_for_one_model_run_one_at_a_time_in_order_and_others_alongside():
    loads: list[str] = []
    pool = ModelPool(lambda label, say: loads.append(label) or f"model {label}", max_models=2)
    spans: list[tuple[str, int, float, float]] = []
    first_runs = threading.Event()

    def work(label: str, n: int) -> None:
        job = pool.submit(label, f"page {n}", 1)
        with pool.turn(job):
            pool.model(job)
            first_runs.set()
            begin = time.monotonic()
            time.sleep(0.3)
            spans.append((label, n, begin, time.monotonic()))

    threads = [threading.Thread(target=work, args=("a", 0))]
    threads[0].start()
    assert first_runs.wait(30)
    for n in (1, 2):  # arrive in order while job 0 runs
        threads.append(threading.Thread(target=work, args=("a", n)))
        threads[-1].start()
        while len(pool.snapshot()) < n + 1:
            time.sleep(0.01)
    waiting = {row[3]: row[1] for row in pool.snapshot(owner="page 2") if row[1].startswith("waiting")}
    assert waiting == {"another page": "waiting (1 ahead)", "you": "waiting (2 ahead)"}  # the queue panel
    threads.append(threading.Thread(target=work, args=("b", 3)))
    threads[-1].start()
    for t in threads:
        t.join(timeout=30)
    a = sorted((begin, end, n) for label, n, begin, end in spans if label == "a")
    assert [n for _, _, n in a] == [0, 1, 2]  # first come, first served
    assert all(a[i][1] <= a[i + 1][0] for i in range(len(a) - 1))  # never two at once
    b = next(begin for label, _, begin, _ in spans if label == "b")
    assert b < a[2][0]  # another model did not wait for this one's queue
    assert loads.count("a") == 1 and loads.count("b") == 1  # kept between jobs
    assert [row[1] for row in pool.snapshot()] == ["done"] * 4


def test_loaded_models_are_bounded_least_recently_used_first():
    pool = ModelPool(lambda label, say: object(), max_models=2)

    def use(label: str) -> None:
        job = pool.submit(label, "page", 1)
        with pool.turn(job):
            pool.model(job)

    for label in ("a", "b", "a", "c"):
        use(label)
    assert pool.loaded() == ["a", "c"] and pool.loads == 3  # b, least recently used, went
    use("b")
    assert pool.loaded() == ["c", "b"] and pool.loads == 4
    one = ModelPool(lambda label, say: object(), max_models=1)
    a, b = one.submit("a", "page", 1), one.submit("b", "page", 1)
    with one.turn(a):
        one.model(a)
        with one.turn(b):
            one.model(b)
            assert one.loaded() == ["a", "b"]  # both running: over the bound while they run
        assert one.loaded() == ["a"]  # ... and back to it when one is done


def test_a_failed_load_frees_the_queue():
    def loader(label, say):
        raise RuntimeError("broken")

    pool = ModelPool(loader)
    job = pool.submit("a", "page", 1)
    with pytest.raises(RuntimeError), pool.turn(job):
        pool.model(job)
    assert pool.snapshot()[0][1] == "failed"
    follower = pool.submit("a", "page", 1)
    assert pool.ahead(follower) == 0


# -- hints ----------------------------------------------------------------------------------------


def test_hints_are_placed_moved_recolored_removed_in_photo_pixels():
    from zoo_core import Control

    repeatable = Control(name="p", type="point-color", repeatable=True)
    single = Control(name="q", type="point-color")
    # a 3000 x 1500 photo shows at 768 x 384: a click at the preview's pixel 384, 192 is photo pixel 1501, 751
    assert hints.preview_scale(3000, 1500) == pytest.approx(768 / 3000)
    assert hints.to_photo((384, 192), 3000, 1500) == (1501, 751)
    assert hints.to_photo((10_000, -5), 3000, 1500) == (2999, 0)  # clamped to the photo
    assert hints.to_photo((3, 3), 100, 50) == (0, 0) and hints.to_photo((4, 4), 100, 50) == (1, 1)  # 4x enlarged
    placed = hints.add([], repeatable, hints.Hint(1, 2, "#ff0000"))
    placed = hints.add(placed, repeatable, hints.Hint(3, 4, "#00ff00"))
    assert [h.value for h in placed] == ["1,2,#ff0000", "3,4,#00ff00"]
    assert hints.add(placed, single, hints.Hint(5, 6, "#0000ff")) == [hints.Hint(5, 6, "#0000ff")]
    assert hints.move(placed, 1, 7, 8)[1] == hints.Hint(7, 8, "#00ff00")
    assert hints.recolor(placed, 0, "#123456")[0].color == "#123456"
    assert hints.remove(placed, 0) == [hints.Hint(3, 4, "#00ff00")]
    assert repeatable.convert(placed[0].value) == (1, 2, (1.0, 0.0, 0.0))
    for given, wanted in [("#ABC", "#aabbcc"), ("rgb(255, 0, 10)", "#ff000a"), ("rgba(0, 128.4, 255, 1)", "#0080ff")]:
        assert hints.normalize_color(given) == wanted
    with pytest.raises(ValueError):
        hints.normalize_color("blue-ish")
    preview = hints.draw(np.full((50, 100, 1), 128, np.uint8), placed, selected=0)
    assert preview.size == (400, 200)
    assert preview.getpixel((round(1.5 * 4), round(2.5 * 4))) == (255, 0, 0)  # the dot, in its color


# -- the form, from declared controls alone -------------------------------------------------------


def test_no_model_or_control_is_named_in_the_page_code(tint_zoo):
    """The page knows controls by their widget: no string in zoo_core/ui is a model's or a control's name."""
    from zoo_core import list_models

    names = {spec.name for spec in list_models()} | {c.name for spec in list_models() for c in spec.controls}
    assert {"uitest-tint", "tint", "mark", "zhang-siggraph17", "temperature"} <= names
    found = set()
    for path in UI.glob("*.py"):
        found |= {n.value for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.Constant)
                  and isinstance(n.value, str)}
    assert not found & names, found & names


@pytest.fixture
def page(tint_zoo, tmp_path):
    pytest.importorskip("gradio", reason='the page needs gradio: pip install "colorzoo[ui]"')
    from zoo_core.ui.app import build_app

    settings = ServeSettings(max_pixels=100_000)
    pool = ModelPool(lambda label, say: _load(label), max_models=2)
    return build_app(settings, pool, tmp_path / "served", _cpu())


def _cpu():
    import torch

    return torch.device("cpu")


def _load(label: str):
    from zoo_core.plugins.registry import load_pretrained, split_model_name

    spec, tag = split_model_name(label)
    return load_pretrained(spec, tag)[0]


def test_a_third_party_plugins_controls_become_typed_inputs(page):
    import gradio as gr

    _, app = page
    fields = {f.control.name: f.component for f in app.fields if f.model == "uitest-tint"}
    kinds = {name: type(component) for name, component in fields.items()}
    assert kinds == {"tint": gr.ColorPicker, "strength": gr.Slider, "gain": gr.Textbox, "steps": gr.Number,
                     "invert": gr.Checkbox, "note": gr.Textbox, "region": gr.Dropdown,
                     "reference": gr.Image, "saturation": gr.Textbox}
    assert fields["strength"].minimum == 0 and fields["strength"].maximum == 1 and fields["strength"].value == 1.0
    assert ("(model default)", "") in fields["region"].choices  # no default: the model decides
    assert "uitest-tint" in app.groups and not [f for f in app.fields if f.control.widget == "point-color"]
    assert app.hint_targets(["uitest-tint.plain", "zhang-rebal-lite.compact"]) == [("uitest-tint", "mark")]
    assert app.hint_targets(["zhang-siggraph17.paper"]) == [("zhang-siggraph17", "hint")]
    updates = app.models_changed(["uitest-tint.plain"], None)
    shown = [model for model, update in zip(app.groups, updates, strict=False) if update["visible"]]
    assert shown == ["uitest-tint"] and updates[-1]["value"] == "uitest-tint: mark"


def test_form_values_and_hints_reach_the_model(page, tmp_path):
    _, app = page
    session = Session(tmp_path / "sessions")
    photo = gray_photo(tmp_path / "old photo.png")
    assert session.set_photos([photo]) == []

    def values(**given):
        return [given.get(f.control.name, f.component.value) if f.model == "uitest-tint" else f.component.value
                for f in app.fields]

    def progress(*args, **kwargs):
        pass

    notes = app.run(session, ["uitest-tint.plain"], None, values(tint="#ff0000", steps=4, note="hello"), progress)
    assert notes[0].startswith("uitest-tint.plain: 1 of 1 photo(s)")
    assert notes[0].endswith("(tint=#ff0000, strength=1.0, steps=4, invert=False, note=hello)")
    result = session.results[("old photo.png", "uitest-tint.plain")]
    assert result.name == "old photo_uitest-tint.plain.png"
    pixels = np.asarray(Image.open(result).convert("RGB"), dtype=int)
    assert pixels.shape == (160, 192, 3) and (pixels[..., 0] - pixels[..., 2]).mean() > 40  # red, as asked
    # a click on the photo: a mark of the clicked color, and the model runs again on that photo
    photo_view = app.edit_hint("click", session, "old photo.png", "uitest-tint: mark", None, None, "#0000ff", None,
                               (160, 40))
    assert photo_view[9]["choices"][0][0] == "1: x 40, y 10, #0000ff"  # the preview is the photo enlarged 4x
    assert photo_view[-1] is True  # changed: the model runs again
    nothing = app.edit_hint("remove", session, "old photo.png", "uitest-tint: mark", None, None, "#0000ff", None)
    assert nothing[1] == "pick a hint in the list first" and nothing[-1] is False
    green = app.edit_hint("recolor", session, "old photo.png", "uitest-tint: mark", "0", None, "#00ff00", None)
    assert green[9]["choices"][0][0] == "1: x 40, y 10, #00ff00" and green[-1] is True
    app.edit_hint("recolor", session, "old photo.png", "uitest-tint: mark", "0", None, "rgb(0, 0, 255)", None)
    app.run(session, ["uitest-tint.plain"], ("old photo.png", "uitest-tint"), values(tint="#ff0000"), progress)
    pixels = np.asarray(Image.open(result).convert("RGB"), dtype=int)
    assert pixels[10, 40, 2] - pixels[10, 40, 0] > 40  # blue where clicked
    assert (pixels[60:, :, 0] - pixels[60:, :, 2]).mean() > 40  # red elsewhere
    # a bad value is the same one-line error as `colorzoo run -c`, in the page, and nothing runs
    with pytest.warns(UserWarning, match="control gain"):  # outside a page, gradio's toast is a warning
        notes = app.run(session, ["uitest-tint.plain"], None, values(gain="-1"), progress)
    assert notes == ["**uitest-tint.plain**: control gain: must be >= 0, got '-1'"]
    archive = session.zip_results()
    assert archive is not None and archive.name == "colorzoo-results.zip"


def test_a_palette_models_controls_work_the_same_way(monkeypatch, tmp_path):
    """resenc-lite0's palette (a named color to push towards, a reference photo to take it from) from the form."""
    pytest.importorskip("gradio", reason='the page needs gradio: pip install "colorzoo[ui]"')
    import gradio as gr
    from helpers import use_zoo
    from skimage import data

    import colorzoo_resenc.plugin
    from zoo_core.ui.app import build_app

    use_zoo(monkeypatch, {"resenc": colorzoo_resenc.plugin})
    _, app = build_app(ServeSettings(), ModelPool(lambda label, say: _load(label)), tmp_path / "served", _cpu())
    fields = {f.control.name: f for f in app.fields if f.model == "resenc-lite0"}
    assert isinstance(fields["palette_shift"].component, gr.Dropdown)
    assert isinstance(fields["palette_from"].component, gr.Image)
    assert "blue" in [value for _, value in fields["palette_shift"].component.choices]
    session = Session(tmp_path / "sessions")
    session.set_photos([gray_photo(tmp_path / "p.png")])
    Image.fromarray(data.coffee()).resize((96, 64)).save(tmp_path / "coffee.png")

    def run(**given) -> np.ndarray:
        values = [given.get(f.control.name, f.component.value) if f.model == "resenc-lite0" else f.component.value
                  for f in app.fields]
        notes = app.run(session, ["resenc-lite0.compact"], None, values, lambda *a, **k: None)
        assert notes[0].startswith("resenc-lite0.compact: 1 of 1 photo(s)"), notes
        assert all(f"{k}={Path(v).name}" in notes[0] for k, v in given.items())  # what ran, in the status line
        return np.asarray(Image.open(session.results[("p.png", "resenc-lite0.compact")]).convert("RGB"), dtype=int)

    plain, blue = run(), run(palette_shift="blue")
    assert (blue[..., 2] - blue[..., 0]).mean() > (plain[..., 2] - plain[..., 0]).mean() + 1  # pushed towards blue
    assert not np.array_equal(run(palette_from=str(tmp_path / "coffee.png")), plain)
    gray = gray_photo(tmp_path / "gray reference.png")
    values = [str(gray) if f.control.name == "palette_from" else f.component.value for f in app.fields]
    with pytest.warns(UserWarning):
        notes = app.run(session, ["resenc-lite0.compact"], None, values, lambda *a, **k: None)
    assert notes == ["**resenc-lite0.compact**: control palette_from: gray reference.png: a gray reference has no "
                     "palette to give"]


def test_serve_help_loads_neither_gradio_nor_torch():
    import subprocess
    import sys

    code = ("import sys; from typer.testing import CliRunner; from zoo_core.cli import app; "
            "r = CliRunner().invoke(app, ['serve', '--help']); assert r.exit_code == 0 and '--max-models' in r.output; "
            "print('gradio' in sys.modules, 'torch' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False"]


def test_bad_and_oversized_photos_are_refused_by_their_names(tmp_path):
    session = Session(tmp_path / "sessions")
    good = gray_photo(tmp_path / "good.png")
    (tmp_path / "notes.png").write_text("not a photo")
    Image.new("L", (400, 300)).save(tmp_path / "big.png")
    refused = session.set_photos([good, tmp_path / "notes.png", tmp_path / "big.png"], max_pixels=100_000)
    assert len(refused) == 2 and refused[0] == "notes.png: not an image file Pillow can read"
    assert refused[1].startswith("big.png: 400x300 is 120,000 pixels, over the limit of 100,000")  # by its name
    assert [p.name for p in session.photos] == ["good.png"]
    (tmp_path / "other").mkdir()
    session.set_photos([good, gray_photo(tmp_path / "other" / "good.png")])
    assert [p.name for p in session.photos] == ["good.png", "good-2.png"]  # same name, another file
    assert chroma(session.photos[0].before) == 0
    session.delete()
    assert not (tmp_path / "sessions" / session.id).exists()


# -- the command ------------------------------------------------------------------------------------


def test_serve_checks_its_options_before_starting(cli, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "gradio" else real(name, *a))
    missing = cli("serve")
    assert missing.exit_code == 1 and 'colorzoo serve needs gradio: pip install "colorzoo[ui]"' in missing.output
    monkeypatch.setattr(importlib.util, "find_spec", real)
    for args, message in [
        (["--device", "tpu"], "unknown device 'tpu'"),
        (["--precision", "fp8"], "unknown precision 'fp8'"),
        (["--max-file-size", "lots"], "--max-file-size 'lots': expected a size like 100mb"),
    ]:
        result = cli("serve", *args)
        assert result.exit_code == 1 and message in result.output, result.output
    with __import__("socket").socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = cli("serve", "--port", taken.getsockname()[1])
    assert result.exit_code == 1 and "cannot listen on 127.0.0.1:" in result.output


def test_listening_beyond_this_machine_warns():
    from zoo_core.ui.server import listen_warning

    assert listen_warning(ServeSettings(host="127.0.0.1"), 7860) is None
    assert listen_warning(ServeSettings(host="localhost"), 7860) is None
    warning = listen_warning(ServeSettings(host="0.0.0.0"), 7860)
    assert warning.startswith("warning: listening on 0.0.0.0: anyone who can reach this machine on port 7860")


@pytest.mark.slow
def test_the_server_writes_only_in_its_temporary_folder_and_deletes_it(tmp_path, tmp_path_factory):
    """Served, used through the HTTP API, stopped: home, working folder and temporary folder are as before."""
    pytest.importorskip("gradio_client", reason='needs gradio: pip install "colorzoo[ui]"')
    from gradio_client import Client, handle_file

    env = install_plugin(Path(__file__).parent / "ui_plugin", tmp_path_factory.mktemp("site"))
    home, tmp, cwd = tmp_path / "home", tmp_path / "tmp", tmp_path / "cwd"
    cwd.mkdir()
    env = serve_env({**os_environ(), **env}, home, tmp_path / "colorzoo", tmp)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COLORZOO_HOME", str(tmp_path / "colorzoo"))
        cache_tint_weights()
    before = {"home": files_under(home), "cwd": files_under(cwd), "tmp": files_under(tmp)}
    server = ServeProcess([], env, cwd)
    try:
        assert server.url.startswith("http://127.0.0.1:") and server.folder.parent == tmp
        photo = handle_file(str(gray_photo(tmp_path / "p.png")))
        client = Client(server.url, verbose=False)
        result = client.predict(photo, "uitest-tint", '{"tint": "#00ff00"}', api_name="/colorize")
        assert chroma(Path(result)) > 20
        assert files_under(server.folder)  # uploads and results, in its own folder
    finally:
        assert server.stop() == 0, server.output
    assert "temporary files deleted" in server.output
    assert not server.folder.exists()
    assert {"home": files_under(home), "cwd": files_under(cwd), "tmp": files_under(tmp)} == before

