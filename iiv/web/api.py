"""The JSON API: the contract the dashboard and scripts read (documented in the README)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, jsonify, request

from iiv import shapes
from iiv.dates import BadDate
from iiv.errors import BadArgument
from iiv.web.pages import activity, library, parse_today
from iiv.web.search import checked_query

bp = Blueprint("api", __name__, url_prefix="/api")


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    try:
        value = int(request.args.get(name, default))
    except ValueError:
        value = default
    return max(low, min(high, value))


def _error(message: str) -> tuple[Response, int]:
    return jsonify(shapes.error(message)), 400


@bp.get("/status")
def status() -> Response:
    return jsonify(shapes.status(library().state(), activity()))


@bp.get("/search")
def search() -> Response | tuple[Response, int]:
    try:
        query = checked_query(request.args.get("q", "").strip())
    except BadArgument as error:
        return _error(str(error))
    limit = _int_arg("limit", 20, 1, 200)
    page = _int_arg("page", 1, 1, 10_000)
    result = library().search(query, limit=limit, page=page)
    return jsonify(result.to_json())


@bp.get("/due")
def due() -> Response | tuple[Response, int]:
    try:
        today = parse_today(request.args["today"]) if "today" in request.args else date.today()
    except BadDate as error:
        return _error(f"today: {error}")
    within = _int_arg("within", 7, 0, 3660)
    items = library().due(today, within)
    return jsonify(shapes.due(today, items))


@bp.get("/problems")
def problems() -> Response:
    return jsonify(shapes.items(library().snapshot().problems))
