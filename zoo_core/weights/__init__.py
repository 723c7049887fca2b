"""Where weights come from: sources, verified downloads, conversion, the cache, ``MODEL.TAG``.

Layering: this package knows specs and models, never the registry or the plugins.
"""
