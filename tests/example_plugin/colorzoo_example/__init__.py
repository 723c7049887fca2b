"""colorzoo-example: a tiny third-party colorizer, written the way CONTRIBUTING.md says."""
