import importlib.metadata
import sys
import types

import pytest

from zoo_core import ModelSpec, hookimpl
from zoo_core.plugins import manager as plugins
from zoo_core.plugins.manager import Zoo
from zoo_core.plugins.registry import get_model_spec


class FakeEntryPoint:
    def __init__(self, name, value, dist=None):
        self.name, self.value = name, value
        self.dist = types.SimpleNamespace(name=dist or f"dist-{name}", version="9.9")

    def load(self):
        return importlib.import_module(self.value)


def _module(name, **attrs):
    module = types.ModuleType(name)
    module.__dict__.update(attrs)
    sys.modules[name] = module
    return module


@pytest.fixture
def fake_plugins(monkeypatch):
    from colorzoo_zhang.model import ZhangColorizer, ZhangConfig

    @hookimpl
    def register_colorizers(register):
        register(ModelSpec(name="fake-good", architecture=ZhangColorizer, config=ZhangConfig(width_mult=0.125)))

    @hookimpl
    def failing_hook(register):
        register(ModelSpec(name="fake-half", architecture=ZhangColorizer, config=ZhangConfig()))
        raise RuntimeError("weights table is corrupt")

    _module("fake_good", register_colorizers=register_colorizers)
    failing = _module("fake_failing")
    failing.register_colorizers = failing_hook
    clash = _module("fake_clash", register_colorizers=register_colorizers)
    monkeypatch.setitem(sys.modules, "fake_missing_dep", None)  # import raises ImportError
    return [
        FakeEntryPoint("good", "fake_good"),
        FakeEntryPoint("needs-dep", "fake_missing_dep"),
        FakeEntryPoint("failing", "fake_failing"),
        FakeEntryPoint("zclash", clash.__name__),
    ]


def test_broken_plugins_are_recorded_not_fatal(fake_plugins):
    zoo = Zoo().load_defaults().load_entry_points(fake_plugins)
    assert zoo.plugins["good"].status == "ok" and zoo.plugins["good"].models == ["fake-good"]
    assert zoo.plugins["good"].version == "9.9"
    assert zoo.plugins["needs-dep"].status == "broken"
    assert "cannot import fake_missing_dep" in zoo.plugins["needs-dep"].error
    assert zoo.plugins["failing"].status == "broken"
    assert "weights table is corrupt" in zoo.plugins["failing"].error
    assert "fake-half" not in zoo.models  # a failed registration leaves nothing behind
    assert "already registered by plugin 'good'" in zoo.plugins["zclash"].error
    for info in zoo.plugins.values():
        assert info.error is None or "\n" not in info.error


def test_invalid_hook_signature_is_broken(fake_plugins):
    @hookimpl
    def register_colorizers(wrong_name):
        pass

    zoo = Zoo().load_defaults()
    info = zoo.add_plugin(_module("fake_bad_signature", register_colorizers=register_colorizers), "bad")
    assert info.status == "broken" and "cannot register" in info.error


def test_cli_list_shows_broken_plugins(fake_plugins, monkeypatch, cli):
    zoo = Zoo().load_defaults().load_entry_points(fake_plugins)
    monkeypatch.setattr(plugins, "_ZOO", zoo)
    result = cli("list")
    assert result.exit_code == 0
    assert "needs-dep" in result.output and "broken" in result.output
    assert "fake-good" in result.output


def test_builtin_plugins_register_like_third_party_ones():
    zoo = plugins.get_zoo()
    assert zoo.plugins["colorzoo"].losses == ["l1", "mse"]
    assert zoo.plugins["zhang"].distribution == "colorzoo-zhang"
    assert zoo.plugins["zhang"].status == "ok"
    names = {ep.name for ep in importlib.metadata.entry_points(group="colorzoo")}
    assert "zhang" in names


def test_unknown_model_suggests_close_names():
    with pytest.raises(KeyError, match="did you mean zhang-rebal"):
        get_model_spec("zhang-rebla")


def test_a_plugin_command_never_replaces_a_core_command(fake_plugins):
    import typer
    from typer.testing import CliRunner

    @hookimpl
    def register_commands(cli):
        @cli.command("list")
        def hijack() -> None:
            print("replaced")

        @cli.command("tint")
        def tint() -> None:
            print("a plugin's own command")

    app = typer.Typer()

    @app.command("list")
    def listing() -> None:
        print("the core's list")

    @app.command("run")
    def run() -> None:
        pass

    zoo = Zoo().load_defaults()
    zoo.add_plugin(_module("fake_commands", register_commands=register_commands), "hijacker")
    assert zoo.register_commands(app) == ["hijacker"]
    assert "would replace colorzoo's own" in zoo.plugins["hijacker"].error and "list" in zoo.plugins["hijacker"].error
    runner = CliRunner()
    assert runner.invoke(app, ["list"]).output.strip() == "the core's list"
    assert runner.invoke(app, ["tint"]).output.strip() == "a plugin's own command"


def test_colorzoo_plugins_limits_what_loads(fake_plugins, monkeypatch):
    monkeypatch.setenv("COLORZOO_PLUGINS", "good")
    zoo = Zoo().load_defaults().load_entry_points(fake_plugins)
    assert zoo.plugins["good"].status == "ok" and "fake-good" in zoo.models
    assert zoo.plugins["needs-dep"].status == "disabled" and zoo.plugins["needs-dep"].error is None
    assert zoo.plugins["colorzoo"].status == "ok"  # colorzoo's own always loads
    monkeypatch.setenv("COLORZOO_PLUGINS", "")
    assert not Zoo().load_defaults().load_entry_points(fake_plugins).models


def test_backbones_are_registered_by_plugins():
    from helpers import zoo_with

    import colorzoo_resenc.plugin as resenc_plugin

    zoo = zoo_with({"resenc": resenc_plugin})
    assert zoo.backbones["vgg16"].plugin == "resenc" and zoo.plugins["resenc"].backbones == ["vgg16"]
    assert zoo.backbones["tf_efficientnet_lite0"].plugin == "colorzoo"
    assert "vgg16" not in Zoo().load_defaults().backbones  # the core declares no family's backbone
