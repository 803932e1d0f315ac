"""The Advocacy Letters Archive web app: `create_app` builds it, one blueprint per concern."""
from __future__ import annotations

import os

from flask import Flask
from werkzeug.routing import BaseConverter


class VersionConverter(BaseConverter):
    """A commit id in a URL: 4 to 40 hex digits, so nothing else ever reaches git."""
    regex = r"[0-9a-fA-F]{4,40}"


def create_app(test_config: dict | None = None) -> Flask:
    """Build the web app; `test_config` (a plain dict) overrides every other setting."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        LETTERS_HOME=os.environ.get("LETTERS_HOME", "./data"),
        PAGE_SIZE=20,
        MAX_PAGE_SIZE=100,
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)
    # Keep the order the archive gives (total, hits, facets) so the JSON reads like the page.
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    app.url_map.converters["version"] = VersionConverter

    from . import archivist, auth, browse, errors, home, letters, search, security, versions
    home.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    # After errors: their 401 and 413 pages replace the generic ones. SECRET_KEY: from the
    # config, else the archive home's `secret_key` file (made once), so logins survive restarts.
    auth.init_app(app)
    archivist.init_app(app)
    app.register_blueprint(search.bp)
    app.register_blueprint(letters.bp)
    app.register_blueprint(browse.bp)
    app.register_blueprint(versions.bp)
    from . import exports; app.register_blueprint(exports.bp)  # noqa: E702
    return app
