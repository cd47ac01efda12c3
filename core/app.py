"""The application factory."""

import importlib
from pathlib import Path

from flask import Flask, request

from core import (  # noqa: F401
    api,
    audit,
    config,
    database,
    errors,
    health,
    jobs,
    logs,
    metrics,
    models,
    nav,
    openapi,
    redis_client,
    replica,
    security,
    timing,
    transaction,
)
from core import input as checked_input
from core.demo import seed_demo_command
from core.errors import ApiError
from core.extensions import csrf, db, limiter, login_manager, migrate
from core.worker import worker_command

ROOT = Path(__file__).resolve().parent.parent

# The domain packages, in import order. Each exposes init_app(app), which registers its own
# blueprints, CLI commands, OpenAPI paths and demo data. Listed here explicitly, never scanned.
DOMAINS = ("accounts", "notifications", "ideas", "moderation", "review")


def create_app(config_override: dict | None = None) -> Flask:
    """Build the app from the environment, with `config_override` (tests) on top."""
    app = Flask(
        "ideapool",
        root_path=str(ROOT),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
        instance_relative_config=True,
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(config.from_environment(app.instance_path))
    app.config.update(config_override or {})
    if "SESSION_COOKIE_SECURE" not in (config_override or {}):
        app.config["SESSION_COOKIE_SECURE"] = app.config["BASE_URL"].startswith("https://")
    logs.configure(app)  # first: every later request hook logs with the request id
    metrics.init_app(app)
    _init_extensions(app)
    _register_core(app)
    for name in DOMAINS:
        importlib.import_module(name).init_app(app)
    return app


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    with app.app_context():
        database.tune(db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)
    jobs.install()
    replica.init_app(app)


def _register_core(app: Flask) -> None:
    app.before_request(_refuse_large_bodies)
    checked_input.install(app)
    transaction.register(app)
    errors.register(app)
    security.register(app)
    timing.register(app)
    nav.init_app(app)
    app.register_blueprint(api.bp)
    openapi.register(app, api.PATHS)
    app.cli.add_command(worker_command)
    app.cli.add_command(seed_demo_command)
    health.register(app)


def _refuse_large_bodies():
    """Refuse a body over the limit from its declared length, before anything parses it."""
    limit = request.max_content_length
    if limit is not None and request.content_length is not None and request.content_length > limit:
        raise ApiError(413, f"The request body is larger than {limit} bytes.", "payload_too_large")
