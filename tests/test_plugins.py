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
