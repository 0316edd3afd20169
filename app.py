"""AI News · AI资讯: the Flask application factory.

`create_app()` builds the app; `flask` finds it here by itself. The code it
assembles lives in the `ainews` package, a folder per area (reader, editor,
api, search, ops); docs/architecture.md is the tour.
"""

from flask import Flask
from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from ainews import api, cache, editor, faults, http_cache, media, security
from ainews.config import database_url, load_config
from ainews.db import db_wrapper, open_database
from ainews.i18n import BABEL_LOCALES
from ainews.ops import commands, health
from ainews.reader import errors, feeds, pages, render
from ainews.schema import update_statistics
from ainews.view_counter import ViewCounter
from ainews.web import SiteRequest, current_lang


def create_app(test_config=None):
    app = Flask(__name__, instance_relative_config=True)
    load_config(app, test_config)
    app.config["DATABASE"] = open_database(database_url(app), app.config["DATABASE_POOL_SIZE"])
    db_wrapper.init_app(app)
    app.extensions["view_counter"] = ViewCounter(app.config["DATABASE"], app.config["VIEW_FLUSH_SECONDS"])
    if not app.config.get("TESTING"):
        update_statistics()  # skipped, with a warning, when the database cannot write
    if app.config["PROXY_COUNT"]:
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    app.session_interface = security.SessionInterface()
    csrf = CSRFProtect(app)
    Htmx(app)
    app.request_class = SiteRequest  # htmx-flask's request, with room for images on the routes that take them
    Babel(app, locale_selector=lambda: BABEL_LOCALES[current_lang()])
    # After-request functions run last registered first: headers and cookies,
    # then the ETag and its 304, then compression of what is left.
    cache.init_app(app)
    http_cache.init_app(app)
    render.init_app(app)
    app.after_request(security.add_security_headers)
    app.before_request(security.refuse_nul_in_address)
    app.register_error_handler(HTTPException, errors.error_page)
    faults.init_app(app)
    for blueprint in (pages.bp, feeds.bp, health.bp, editor.bp, api.bp):
        app.register_blueprint(blueprint)
    media.init_app(app)
    csrf.exempt(api.bp)  # no cookies there for a forged request to ride on
    commands.register(app)
    return app
