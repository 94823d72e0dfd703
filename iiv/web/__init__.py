"""The dashboard: a Flask app over a `Library`. `create_app` has no side effects at import."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import PathConverter

from iiv.library import Library
from iiv.web import (
    actions,
    api,
    brief,
    calendar,
    debrief,
    drafts,
    imports,
    notes,
    pages,
    practice,
    search,
    security,
    targets,
    today,
)
from iiv.web.security import WebSettings


class NotePath(PathConverter):
    """A vault path in a URL: like `path`, but a newline, which a file name may hold, matches."""

    regex = "[^/][\\s\\S]*?"


def create_app(library: Library, settings: WebSettings | None = None) -> Flask:
    settings = settings or WebSettings()
    app = Flask(__name__)
    app.url_map.converters["path"] = NotePath  # for the blueprints' routes, added below
    app.config.update(
        SECRET_KEY=settings.secret_key,
        DEBUG=False,
        TESTING=False,
        JSON_SORT_KEYS=False,
        MAX_CONTENT_LENGTH=1_000_000,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_HTTPONLY=True,
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["iiv"] = library
    app.extensions["iiv_settings"] = settings
    security.install(app, settings)
    app.register_blueprint(api.bp)
    blueprints = (
        pages.bp,
        today.bp,
        search.bp,
        notes.bp,
        actions.bp,
        targets.bp,
        drafts.bp,
        practice.bp,
        calendar.bp,
        imports.bp,
        brief.bp,
        debrief.bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    return app
