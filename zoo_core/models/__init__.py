"""The model interfaces (``Colorizer``, ``Loss``), building a model from its spec, shared backbones."""
