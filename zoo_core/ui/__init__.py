"""``colorzoo serve``: a local web page to colorize photos with the installed models.

People who restore photos would rather click than type. The page is built from the registry
alone: the weight sets ``colorzoo list`` reports, and one input per declared ``Control`` (its
``widget`` says which), so a third-party plugin's models and controls appear with no code here.
Colored-point controls (user hints) are placed by clicking on the photo.

Only ``app.py``, ``forms.py`` and ``server.py`` import gradio (the ``colorzoo[ui]`` extra); the
rest (weight-set choices, the per-model job queue with its bounded set of loaded models, hints,
a session's files) is plain Python, tested without a browser.
"""
