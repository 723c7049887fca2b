"""A third-party plugin whose model paints with its controls (tests of ``colorzoo serve``)."""
