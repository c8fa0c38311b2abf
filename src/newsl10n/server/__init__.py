"""``newsl10n review``: a small local web application for post-editing the bundles of OUT.

``workspace.py`` works on the bundles (find them by validated id, the index's counts, the
editor's rows, a save through :func:`newsl10n.edits.save_edits`); ``app.py`` is the
Starlette application over it (pages, the save route, token, CSRF and same-origin checks);
``static/`` holds its own CSS and JavaScript (no third-party code).
"""
