"""The plugin system: hook specifications, the plugin manager (the zoo) and the registry."""
