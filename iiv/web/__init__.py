"""The dashboard: a Flask app over a `Library`. `create_app` has no side effects at import."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask

from iiv.library import Activity, Library
from iiv.web import (
    actions,
    api,
    brief,
    calendar,
    companies,
    debrief,
    drafts,
    frame,
    imports,
    notes,
    people,
    pipeline,
    practice,
    problems,
    resolve,
    search,
    security,
    sync,
    targets,
    today,
)
from iiv.web.security import WebSettings
from iiv.web.urls import NotePath


def create_app(
    library: Library,
    settings: WebSettings | None = None,
    activity: Callable[[], Activity] = Activity,  # the writing thread's report: idle if none
) -> Flask:
    settings = settings or WebSettings()
    app = Flask(__name__)
    app.url_map.converters["note"] = NotePath  # for the blueprints' routes, added below
    app.config.update(
        SECRET_KEY=settings.secret_key,
        DEBUG=False,
        TESTING=False,
        MAX_CONTENT_LENGTH=1_000_000,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_HTTPONLY=True,
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["iiv"] = library
    app.extensions["iiv_settings"] = settings
    app.extensions["iiv_activity"] = activity
    security.install(app, settings)
    frame.install(app)
    app.register_blueprint(api.bp)
    blueprints = (
        problems.bp,
        today.bp,
        search.bp,
        notes.bp,
        people.bp,
        companies.bp,
        pipeline.bp,
        actions.bp,
        targets.bp,
        drafts.bp,
        practice.bp,
        calendar.bp,
        imports.bp,
        brief.bp,
        debrief.bp,
        sync.bp,
        resolve.bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    return app
