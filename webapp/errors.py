"""One error handler: archive errors and HTTP errors become a page, or JSON on .json routes."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from archive.errors import ArchiveError, InvalidQuery

TITLES = {400: "Bad request", 404: "Not found", 405: "Method not allowed", 409: "Conflict",
          422: "Cannot process", 500: "Server error", 503: "Try again later"}


def wants_json() -> bool:
    """Data routes (`.json`) answer errors in JSON; every other route with a page."""
    return request.path.endswith(".json")


def error_response(status: int, message: str, query_error: bool = False):
    """The one rendering of an error, shared by every failure path."""
    if wants_json():
        response = jsonify({"ok": False, "error": message, "status": status})
        response.status_code = status
        return response
    return render_template("error.html", status=status, message=message,
                           title=TITLES.get(status, "Error"), query_error=query_error,
                           q=request.args.get("q", "")), status


def _archive_error(exc: ArchiveError):
    return error_response(exc.status, exc.message, isinstance(exc, InvalidQuery))


def _http_error(exc: HTTPException):
    if isinstance(exc, InternalServerError):
        # Never show a traceback or internal detail to a reader.
        return error_response(500, "Something went wrong on our side. Please try again later.")
    status = exc.code or 500
    message = exc.description or TITLES.get(status, "Error")
    if status == 404 and message.startswith("The requested URL was not found"):
        message = "There is no page at this address."
    return error_response(status, message)


def init_app(app: Flask) -> None:
    """Register the handler for archive errors and every HTTP error status."""
    app.register_error_handler(ArchiveError, _archive_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(InternalServerError, _http_error)
