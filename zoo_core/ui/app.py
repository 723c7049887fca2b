"""The page: drop photos, pick weight sets, set their controls, click hints, compare and download.

Built from the registry when the server starts: the weight sets ``colorzoo list`` reports (see
``choices.py``), one group of inputs per model with typed controls (``forms.py``; shown while one
of its sets is picked), and a hint editor for every ``point-color`` control (``hints.py``). Work
goes through the shared ``ModelPool`` (one job at a time per weight set, a visible queue, a
bounded set of loaded models) and the one rendering path. Two endpoints make the HTTP API:
``/colorize`` (a photo, a model, its controls as JSON -> the result) and ``/models``.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import gradio as gr

from ..controls import ControlError, parse_controls
from ..errors import ColorzooError
from ..plugins.registry import get_model_spec, list_models
from ..spec import ModelSpec
from ..weights.resolve import DOWNLOADABLE
from . import forms
from . import hints as hint_ops
from .choices import WeightChoice, model_rows, weight_choices
from .jobs import API_OWNER, ModelPool
from .session import InputPhoto, Session, draw_hints
from .settings import ServeSettings

ADD, MOVE = "add a hint", "move the selected hint"
#: API results older than this are deleted (the page's own results live as long as the page).
API_RESULT_AGE_S = 3600

CSS = """
#hint-photo img { cursor: crosshair; }
#status p { margin: 0.2em 0; }
"""


def _target_value(model: str, control: str) -> str:
    return f"{model}: {control}"


def _split_target(value: str | None) -> tuple[str, str] | None:
    if not value or ": " not in value:
        return None
    model, control = value.split(": ", 1)
    return model, control


class App:
    """The page's event handlers, over one pool and the specs as they were when the server started."""

    def __init__(self, settings: ServeSettings, pool: ModelPool, root: Path, device: Any) -> None:
        self.settings = settings
        self.pool = pool
        self.root = root
        self.device = device
        self.specs: list[ModelSpec] = list_models()
        self.choices: list[WeightChoice] = [c for c in weight_choices(self.specs) if c.runnable]
        self.by_value = {c.value: c for c in self.choices}
        self.fields: list[forms.Field] = []
        self.groups: dict[str, Any] = {}
        """model -> the group of its inputs (shown while one of its weight sets is picked)."""

    def session_of(self, state: Any) -> Session:
        """The page's session, made on its first event (the state starts empty: no endpoint makes one)."""
        return state if isinstance(state, Session) else Session(self.root / "sessions")

    # -- what is picked -----------------------------------------------------------------------

    def picked(self, selection: Sequence[str] | None) -> list[WeightChoice]:
        return [self.by_value[v] for v in selection or [] if v in self.by_value]

    def hint_targets(self, selection: Sequence[str] | None) -> list[tuple[str, str]]:
        """(model, control) of every clicked (point-color) control of the picked models."""
        models = dict.fromkeys(c.spec.name for c in self.picked(selection))
        return [(m, c.name) for m in models for c in get_model_spec(m).controls if c.widget in forms.CLICKED]

    def form_values(self, model: str, values: Sequence[Any]) -> list[tuple[str, Any]]:
        """(control, value) pairs of ``model``'s inputs, as given (those left at the model's default omitted)."""
        pairs: list[tuple[str, Any]] = []
        for field, value in zip(self.fields, values, strict=True):
            if field.model == model:
                pairs += forms.given(field, value)
        return pairs

    def controls_for(self, model: str, values: Sequence[Any], session: Session, photo: str) -> dict[str, Any]:
        """The checked controls of ``model`` for one photo: its form's inputs plus its hints on that photo."""
        spec = get_model_spec(model)
        pairs = self.form_values(model, values) + session.hint_values(photo, model)
        return parse_controls(spec.controls, pairs, model=spec.name)

    # -- the view every event returns ---------------------------------------------------------

    def view(
        self,
        session: Session,
        notes: list[str],
        hint_photo: str | None,
        hint_target: str | None,
        selected: int | None,
        compare: str | None,
    ) -> tuple[Any, ...]:
        """session, status, results gallery, compare, slider, download one, download all, hint photo, preview, list."""
        results = session.ordered_results()
        gallery: list[tuple[str, str]] = []
        for photo in session.photos:
            gallery.append((str(photo.before), f"{photo.name} \u00b7 input"))
            gallery += [(str(path), f"{photo.name} \u00b7 {label}") for p, label, path in results if p is photo]
        options = [(f"{p.name} \u00b7 {label}", f"{p.name}|{label}") for p, label, _ in results]
        values = [v for _, v in options]
        if compare not in values:
            compare = values[-1] if values else None
        slider, one = self._compare(session, compare)
        archive = session.zip_results()
        names = [p.name for p in session.photos]
        if hint_photo not in names:
            hint_photo = names[0] if names else None
        preview, listing, selected = self._hints(session, hint_photo, hint_target, selected)
        columns = max(2, min(4, 1 + len({label for _, label, _ in results})))
        return (
            session,
            "\n\n".join(notes) if notes else "",
            gr.update(value=gallery or None, columns=columns),
            gr.update(choices=options, value=compare),
            slider,
            one,
            gr.update(value=str(archive) if archive else None, visible=archive is not None),
            gr.update(choices=names, value=hint_photo),
            preview,
            listing,
        )

    def _compare(self, session: Session, compare: str | None) -> tuple[Any, Any]:
        if not compare or "|" not in compare:
            return None, gr.update(value=None, visible=False)
        name, label = compare.split("|", 1)
        path = session.results.get((name, label))
        if path is None:
            return None, gr.update(value=None, visible=False)
        before = session.photo(name).before
        return (str(before), str(path)), gr.update(value=str(path), visible=True, label=f"Download {path.name}")

    def _hints(
        self, session: Session, photo_name: str | None, target: str | None, selected: int | None
    ) -> tuple[Any, Any, int | None]:
        split = _split_target(target)
        if photo_name is None or split is None:
            return None, gr.update(choices=[], value=None), None
        photo = session.photo(photo_name)
        hints = session.hints.get((photo.name, *split), [])
        if selected is not None and not 0 <= selected < len(hints):
            selected = None
        options = [(hint_ops.describe(i, h), str(i)) for i, h in enumerate(hints)]
        listing = gr.update(choices=options, value=None if selected is None else str(selected))
        return draw_hints(session, photo, *split, selected), listing, selected

    # -- events -------------------------------------------------------------------------------

    def photos_changed(self, files: list[str] | None, session: Session, *view_args: Any) -> tuple[Any, ...]:
        refused = session.set_photos([f for f in files or [] if f], self.settings.max_pixels)
        notes = [f"**refused**: {line}" for line in refused]
        for line in refused:
            gr.Warning(line)
        if session.photos:
            notes.insert(0, f"{len(session.photos)} photo(s) ready: " + ", ".join(p.name for p in session.photos))
        return self.view(session, notes, *view_args)

    def models_changed(self, selection: list[str] | None, target: str | None) -> list[Any]:
        models = {c.spec.name for c in self.picked(selection)}
        updates = [gr.update(visible=model in models) for model in self.groups]
        targets = [_target_value(*t) for t in self.hint_targets(selection)]
        if target not in targets:
            target = targets[0] if targets else None
        return [*updates, gr.update(visible=bool(targets)), gr.update(choices=targets, value=target)]

    def run(
        self,
        session: Session,
        selection: list[str] | None,
        only: tuple[str, str] | None,
        values: Sequence[Any],
        progress: Any,
    ) -> list[str]:
        """Run the picked weight sets on the session's photos (``only``: one photo and one model); notes."""
        picked = self.picked(selection)
        photos = session.photos
        if only is not None:
            photos = [p for p in photos if p.name == only[0]]
            picked = [c for c in picked if c.spec.name == only[1]]
        if not photos:
            return ["drop one or more photos first"]
        if not picked:
            return ["pick one or more models first"]
        notes: list[str] = []
        for n, choice in enumerate(picked):
            try:
                controls = {p.name: self.controls_for(choice.spec.name, values, session, p.name) for p in photos}
            except ControlError as exc:
                message = str(exc)
                for _, value in self.form_values(choice.spec.name, values):  # uploads by their names
                    if isinstance(value, str) and Path(value).is_file():
                        message = message.replace(value, Path(value).name)
                notes.append(f"**{choice.value}**: {message}")
                gr.Warning(message)
                continue
            given = _describe(self.form_values(choice.spec.name, values))
            notes += self._run_one(session, choice, photos, controls, given, progress, n, len(picked))
        return notes

    def _run_one(
        self,
        session: Session,
        choice: WeightChoice,
        photos: list[InputPhoto],
        controls: dict[str, dict[str, Any]],
        given: str,
        progress: Any,
        n: int,
        of: int,
    ) -> list[str]:
        label = choice.value
        job = self.pool.submit(label, session.id, len(photos))

        def waiting(ahead: int) -> None:
            progress(n / of, desc=f"{label}: waiting, {ahead} job(s) ahead")

        def say(text: str) -> None:
            progress(n / of, desc=f"{label}: {text}")

        notes: list[str] = []
        started = time.perf_counter()
        try:
            with self.pool.turn(job, on_wait=waiting):
                if choice.status == DOWNLOADABLE:
                    say("downloading the weights (once)")
                progress(n / of, desc=f"{label}: loading")
                model = self.pool.model(job, say)
                self.pool.start(job)
                for k, photo in enumerate(photos):
                    progress((n + k / len(photos)) / of, desc=f"{label} on {photo.name}")
                    try:
                        self._colorize(session, photo, label, model, controls[photo.name])
                    except Exception as exc:  # noqa: BLE001 - one photo failing must not stop the others
                        notes.append(f"**{label}** on {photo.name}: {_reason(exc)}")
                        gr.Warning(f"{label} on {photo.name}: {_reason(exc)}")
                    self.pool.advance(job)
        except Exception as exc:  # noqa: BLE001 - no weights, a refused download, out of memory: said, others go on
            notes.append(f"**{label}**: {_reason(exc)}")
            gr.Warning(f"{label}: {_reason(exc)}")
            return notes
        hints = sum(len(session.hint_values(p.name, choice.spec.name)) for p in photos)
        with_hints = f" with {hints} hint(s)" if hints else ""
        seconds = time.perf_counter() - started
        notes.insert(0, f"{label}: {job.done - len(notes)} of {len(photos)} photo(s){with_hints} in {seconds:.1f} s"
                        f"{f' ({given})' if given else ''}")
        return notes

    def _colorize(self, session: Session, photo: InputPhoto, label: str, model: Any, controls: dict[str, Any]) -> Path:
        settings = self.settings
        return session.colorize(photo, label, model, controls, device=self.device, precision=settings.precision,
                                max_pixels=settings.max_pixels)

    def hint_changed(
        self, session: Session, selection: list[str] | None, view_args: Sequence[Any], values: Sequence[Any],
        progress: Any,
    ) -> tuple[Any, ...]:
        """After a hint was placed, moved, recolored or removed: run its model again on that photo."""
        photo, target = view_args[0], _split_target(view_args[1])
        if photo is None or target is None:
            return self.view(session, [], *view_args)
        notes = self.run(session, selection, (photo, target[0]), values, progress)
        return self.view(session, notes, *view_args)

    def edit_hint(
        self,
        action: str,
        session: Session,
        photo_name: str | None,
        target: str | None,
        selected: str | None,
        compare: str | None,
        color: str | None,
        mode: str | None,
        point: tuple[int, int] | None = None,
    ) -> tuple[Any, ...]:
        """Place, move, recolor, remove or clear hints: the view, and whether they changed (then the model runs)."""
        index = _index(selected)
        split = _split_target(target)

        def unchanged(note: str) -> tuple[Any, ...]:
            return (*self.view(session, [note], photo_name, target, index, compare), False)

        if photo_name not in [p.name for p in session.photos] or split is None:
            return unchanged("drop a photo and pick a model that takes hints first")
        photo = session.photo(photo_name)
        control = next(c for c in get_model_spec(split[0]).controls if c.name == split[1])
        key = (photo.name, *split)
        before = current = session.hints.get(key, [])
        try:
            hex_color = hint_ops.normalize_color(color or "")
        except ValueError as exc:
            return unchanged(f"hint color: {exc}")
        if index is None and (action in ("recolor", "remove") or (action == "click" and mode == MOVE)):
            return unchanged("pick a hint in the list first")
        if action == "click" and point is not None:
            x, y = hint_ops.to_photo(point, photo.width, photo.height)
            if mode == MOVE and index is not None:
                current = hint_ops.move(current, index, x, y)
            else:
                current = hint_ops.add(current, control, hint_ops.Hint(x, y, hex_color))
                index = len(current) - 1
        elif action == "recolor" and index is not None:
            current = hint_ops.recolor(current, index, hex_color)
        elif action == "remove" and index is not None:
            current = hint_ops.remove(current, index)
            index = None
        elif action == "clear":
            current, index = [], None
        try:
            for hint in current:  # a plugin's own point type may refuse some
                control.convert(hint.value)
        except ControlError as exc:
            return unchanged(str(exc))
        session.hints[key] = current
        return (*self.view(session, [], photo_name, target, index, compare), current != before)

    def compare_picked(self, session: Session | None, compare: str | None) -> tuple[Any, Any]:
        return self._compare(self.session_of(session), compare)

    def gallery_picked(self, session: Session | None, evt: gr.SelectData) -> Any:
        """A click on a result in the gallery compares it with its input."""
        session = self.session_of(session)
        caption = (evt.value or {}).get("caption") if isinstance(evt.value, dict) else None
        if not caption or " \u00b7 " not in caption:
            return gr.update()
        name, label = caption.rsplit(" \u00b7 ", 1)
        if (name, label) not in session.results:
            return gr.update()
        return gr.update(value=f"{name}|{label}")

    def queue_rows(self, session: Session) -> list[list[str]]:
        return self.pool.snapshot(owner=session.id if isinstance(session, Session) else None)

    # -- the HTTP API ---------------------------------------------------------------------------

    def api_colorize(self, photo: str | None, model: str, controls: str) -> str:
        """Colorize one photo with one model (``MODEL`` or ``MODEL.TAG``); controls as a JSON object."""
        try:
            choice = self._api_choice(model)
            pairs = _json_pairs(controls, choice.spec)
            checked = parse_controls(choice.spec.controls, pairs, model=choice.spec.name)
            if not photo:
                raise ColorzooError("no photo given")
            self._clean_api_results()
            session = Session(self.root / "api")
            refused = session.set_photos([photo], self.settings.max_pixels, previews=False)
            if refused:
                raise ColorzooError(refused[0])
            job = self.pool.submit(choice.value, API_OWNER, 1)
            with self.pool.turn(job):
                loaded = self.pool.model(job)
                self.pool.start(job)
                path = self._colorize(session, session.photos[0], choice.value, loaded, checked)
                self.pool.advance(job)
            return str(path)
        except ColorzooError as exc:
            raise gr.Error(str(exc), print_exception=False) from None

    def _api_choice(self, model: str) -> WeightChoice:
        model = (model or "").strip()
        if model in self.by_value:
            return self.by_value[model]
        spec = get_model_spec(model)  # unknown names: one line with close matches
        mine = [c for c in self.choices if c.spec.name == spec.name]
        if "." in model and model != spec.name:
            sets = ", ".join(c.value for c in mine) or "none"
            raise ColorzooError(f"{model}: no such weight set here (sets: {sets})")
        local = [c for c in mine if c.status != DOWNLOADABLE]
        if not (local or mine):
            raise ColorzooError(f"{spec.name}: no weights to run ({spec.no_weights or 'none declared'})")
        return (local or mine)[0]

    def _clean_api_results(self) -> None:
        folder = self.root / "api"
        if not folder.is_dir():
            return
        limit = time.time() - API_RESULT_AGE_S
        for entry in folder.iterdir():
            if entry.stat().st_mtime < limit:
                shutil.rmtree(entry, ignore_errors=True)

    def api_models(self) -> list[dict[str, Any]]:
        """Every model with weights here: its weight sets (with availability) and its controls."""
        models: dict[str, dict[str, Any]] = {}
        for choice in self.choices:
            entry = models.setdefault(choice.spec.name, {
                "model": choice.spec.name, "description": choice.spec.description, "weight_sets": [],
                "controls": [c.to_dict() for c in choice.spec.controls]})
            entry["weight_sets"].append(
                {"name": choice.value, "status": choice.status, "license": choice.weight_set.license}
            )
        return list(models.values())


def _reason(exc: Exception) -> str:
    """colorzoo's own errors are one line already; anything else says what it is."""
    return str(exc) if isinstance(exc, ColorzooError) else f"{type(exc).__name__}: {exc}"


def _describe(pairs: list[tuple[str, Any]]) -> str:
    """The controls a run was given in the form, as ``name=value`` for the status line (uploads by file name)."""
    parts = []
    for name, value in pairs:
        if isinstance(value, str) and ("/" in value or "\\" in value) and Path(value).is_file():
            value = Path(value).name
        parts.append(f"{name}={value}")
    return ", ".join(parts)


def _json_pairs(text: str | None, spec: ModelSpec) -> list[tuple[str, Any]]:
    """``{"temperature": 0.3, "hint": ["10,20,#ff0000"]}`` -> pairs; uploads are for the page only."""
    if not text or not text.strip():
        return []
    try:
        given = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ControlError(f"controls: not JSON ({exc.msg} at character {exc.pos})") from None
    if not isinstance(given, dict):
        raise ControlError('controls: expected a JSON object, e.g. {"temperature": 0.3}')
    declared = {c.name: c for c in spec.controls}
    pairs: list[tuple[str, Any]] = []
    for key, value in given.items():
        control = declared.get(key)
        if control is not None and control.widget in ("file", "image"):
            raise ControlError(f"control {key}: takes an uploaded file; set it in the page, not through the API")
        items = value if isinstance(value, list) and control is not None and control.repeatable else [value]
        pairs += [(key, item) for item in items]
    return pairs


def build_app(settings: ServeSettings, pool: ModelPool, root: Path, device: Any) -> tuple[gr.Blocks, App]:
    """The Blocks of the page (not launched), and the handlers behind it."""
    app = App(settings, pool, root, device)
    def forget(session: Any) -> None:
        if isinstance(session, Session):
            session.delete()

    device_text = f"{device.type}{'' if device.index is None else f':{device.index}'}"
    with gr.Blocks(title="colorzoo", analytics_enabled=False, delete_cache=(1800, 6 * 3600)) as demo:
        session = gr.State(None, time_to_live=12 * 3600, delete_callback=forget)  # made on first use
        gr.Markdown(
            "## colorzoo\nDrop grayscale photos, pick one or more models, press **Colorize**; click on the photo to "
            f"give hints to models that take them. Running on **{device_text}** ({settings.precision}); up to "
            f"{settings.max_models} models kept loaded."
        )
        with gr.Row(equal_height=False):
            with gr.Column(scale=2, min_width=360):
                photos = gr.File(label="Photos (drop one or more)", file_count="multiple", file_types=["image"],
                                 type="filepath", elem_id="photos", height=150)
                models = gr.CheckboxGroup(choices=[(c.label, c.value) for c in app.choices], label="Models and weights",
                                          info="bundled and cached sets run at once; others download on first use",
                                          elem_id="models")
                for spec in app.specs:
                    offered = any(c.spec is spec for c in app.choices)
                    if offered and any(c.widget not in forms.CLICKED for c in spec.controls):
                        with gr.Group(visible=False, elem_id=f"controls-{spec.name}") as group:
                            gr.Markdown(f"**{spec.name}**", elem_classes=["controls-title"])
                            app.fields += forms.build_form(spec)
                        app.groups[spec.name] = group
                run_button = gr.Button("Colorize", variant="primary", elem_id="run")
                status = gr.Markdown(elem_id="status")
                queue_table = gr.Dataframe(headers=["weights", "state", "progress", "for"], value=[],
                                           label="queue (one job at a time per model)", interactive=False,
                                           elem_id="queue", wrap=True)
                with gr.Accordion("Installed models and weight sets", open=False):
                    gr.Dataframe(value=model_rows(app.specs), interactive=False, wrap=True,
                                 headers=["model", "weights", "status", "parameters", "license", "about"])
            with gr.Column(scale=3, min_width=480):
                results = gr.Gallery(label="input and results (click one to compare it)", columns=4, rows=1,
                                     object_fit="contain", height=230, elem_id="results",
                                     allow_preview=False)
                compare = gr.Radio(label="compare with its input", choices=[], elem_id="compare")
                slider = gr.ImageSlider(label="before / after", type="filepath", format="png", elem_id="slider",
                                        max_height=520)
                with gr.Row():
                    download_one = gr.DownloadButton("Download this result", visible=False, elem_id="download-one")
                    download_all = gr.DownloadButton("Download all (zip)", visible=False, elem_id="download-all")
                with gr.Group(visible=False, elem_id="hints") as hint_box:
                    gr.Markdown("**Hints**: pick a color, click on the photo; the model runs again with them",
                                elem_classes=["controls-title"])
                    with gr.Row():
                        hint_photo = gr.Dropdown(label="photo", choices=[], elem_id="hint-photo-name")
                        hint_target = gr.Dropdown(label="clicks set", choices=[], elem_id="hint-target")
                    with gr.Row():
                        hint_color = gr.ColorPicker(value="#d23c2a", label="color of new hints", elem_id="hint-color")
                        hint_mode = gr.Radio([ADD, MOVE], value=ADD, label="a click on the photo", elem_id="hint-mode")
                    with gr.Row():
                        hint_preview = gr.Image(label="click to place a hint", interactive=False, type="pil",
                                                format="png", elem_id="hint-photo", buttons=[], height=360,
                                                scale=3)
                        with gr.Column(scale=2, min_width=220):
                            hint_list = gr.Radio(label="hints (pick one to move, recolor or remove it)", choices=[],
                                                 elem_id="hint-list")
                            recolor_button = gr.Button("Recolor selected", size="sm", elem_id="hint-recolor")
                            remove_button = gr.Button("Remove selected", size="sm", elem_id="hint-remove")
                            clear_button = gr.Button("Remove all", size="sm", elem_id="hint-clear")

        values = [f.component for f in app.fields]
        view_inputs = [hint_photo, hint_target, hint_list, compare]
        view_outputs = [session, status, results, compare, slider, download_one, download_all, hint_photo,
                        hint_preview, hint_list]
        private = {"api_visibility": "private"}
        work = {"concurrency_id": "work", "concurrency_limit": settings.concurrency, **private}

        def photos_changed(files: Any, state: Session, photo: Any, target: Any, selected: Any, cmp: Any) -> Any:
            return app.photos_changed(files, app.session_of(state), photo, target, _index(selected), cmp)

        photos.change(photos_changed, [photos, session, *view_inputs], view_outputs, **private)
        models.change(app.models_changed, [models, hint_target], [*app.groups.values(), hint_box, hint_target],
                      **private)

        def run_all(state: Session, selection: Any, photo: Any, target: Any, selected: Any, cmp: Any, *vals: Any,
                    progress: gr.Progress = gr.Progress()) -> Any:  # noqa: B008 - how gradio passes progress
            state = app.session_of(state)
            notes = app.run(state, selection, None, vals, progress)
            return app.view(state, notes, photo, target, _index(selected), cmp)

        run_button.click(run_all, [session, models, *view_inputs, *values], view_outputs,
                         show_progress_on=[results, slider], **work)

        changed = gr.State(False)  # whether a hint edit changed anything (else the model need not run again)

        def rerun(changes: bool, state: Session, selection: Any, photo: Any, target: Any, selected: Any, cmp: Any,
                  *vals: Any, progress: gr.Progress = gr.Progress()) -> Any:  # noqa: B008 - how gradio passes progress
            if not changes:
                return tuple(gr.skip() for _ in view_outputs)
            view_args = (photo, target, _index(selected), cmp)
            return app.hint_changed(app.session_of(state), selection, view_args, vals, progress)

        rerun_inputs = [changed, session, models, *view_inputs, *values]
        edit_inputs = [session, hint_photo, hint_target, hint_list, compare, hint_color, hint_mode]
        edit_outputs = [*view_outputs, changed]

        def clicked(state: Session, photo: Any, target: Any, selected: Any, cmp: Any, color: Any, mode: Any,
                    evt: gr.SelectData) -> Any:
            point = tuple(evt.index) if isinstance(evt.index, (list, tuple)) and len(evt.index) == 2 else None
            return app.edit_hint("click", app.session_of(state), photo, target, selected, cmp, color, mode, point)

        hint_preview.select(clicked, edit_inputs, edit_outputs, **private).then(
            rerun, rerun_inputs, view_outputs, show_progress_on=[results, slider], **work)
        for button, action in ((recolor_button, "recolor"), (remove_button, "remove"), (clear_button, "clear")):
            button.click(_action(app, action), edit_inputs, edit_outputs, **private).then(
                rerun, rerun_inputs, view_outputs, show_progress_on=[results, slider], **work)

        def redraw(state: Session, photo: Any, target: Any, selected: Any, cmp: Any) -> Any:
            return app.view(app.session_of(state), [], photo, target, _index(selected), cmp)

        hint_list.input(redraw, [session, *view_inputs], view_outputs, **private)
        hint_photo.input(redraw, [session, *view_inputs], view_outputs, **private)
        hint_target.change(redraw, [session, *view_inputs], view_outputs, **private)
        compare.input(app.compare_picked, [session, compare], [slider, download_one], **private)
        results.select(app.gallery_picked, [session], [compare], **private).then(
            app.compare_picked, [session, compare], [slider, download_one], **private)

        timer = gr.Timer(1.0)
        timer.tick(app.queue_rows, [session], [queue_table], show_progress="hidden", **private)

        # The HTTP API: two named endpoints over hidden components
        with gr.Row(visible=False):
            api_photo = gr.Image(type="filepath", image_mode=None, format="png", label="photo")
            api_model = gr.Textbox(label="model")
            api_controls = gr.Textbox(label="controls", value="{}")
            api_result = gr.Image(type="filepath", format="png", label="result")
            api_listing = gr.JSON(label="models")
            api_button = gr.Button("colorize")
            api_list_button = gr.Button("models")
        api_button.click(app.api_colorize, [api_photo, api_model, api_controls], api_result, api_name="colorize",
                         concurrency_id="work", concurrency_limit=settings.concurrency)
        api_list_button.click(app.api_models, [], api_listing, api_name="models")
    demo.queue(default_concurrency_limit=settings.concurrency)
    return demo, app


def _index(selected: Any) -> int | None:
    try:
        return int(selected) if selected not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _action(app: App, action: str) -> Callable[..., tuple[Any, ...]]:
    def handler(state: Session, photo: Any, target: Any, selected: Any, cmp: Any, color: Any, mode: Any) -> Any:
        return app.edit_hint(action, app.session_of(state), photo, target, selected, cmp, color, mode)

    return handler
