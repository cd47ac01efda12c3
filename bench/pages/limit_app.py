"""The "limit" app: the least a Flask page or write can cost on this machine, database and driver.

    DATABASE_URL=postgresql+psycopg://… gunicorn 'bench.pages.limit_app:from_environment()'

`GET /row/<id>` selects one row by primary key and renders a small Jinja page; `PUT /row/<id>/vote`
(JSON `{"user_id": n}`) inserts a vote (ON CONFLICT DO NOTHING), adds one to the row's count and
commits. Call prepare() once before the workers start: it (re)creates and fills the two tables.
"""

import os

from flask import Flask, abort, jsonify, render_template, request
from jinja2 import DictLoader
from sqlalchemy import create_engine, text

from bench.pages.urls import ROWS

ROW_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ row.title }} · Limit</title></head>
<body>
  <main>
    <h1>{{ row.title }}</h1>
    <p>Row {{ row.id }} has {{ row.votes }} vote{{ "" if row.votes == 1 else "s" }}.</p>
    <p><a href="/row/{{ row.id + 1 }}">Next row</a></p>
  </main>
</body>
</html>
"""

SELECT_ROW = text("SELECT id, title, votes FROM limit_rows WHERE id = :id")
INSERT_VOTE = text("INSERT INTO limit_votes (row_id, user_id) VALUES (:id, :user) ON CONFLICT DO NOTHING")
COUNT_VOTE = text("UPDATE limit_rows SET votes = votes + 1 WHERE id = :id RETURNING votes")


def prepare(database_url: str, rows: int = ROWS) -> None:
    """Drop, create and fill limit_rows and limit_votes (run once, before the workers start)."""
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS limit_votes, limit_rows"))
        connection.execute(text("CREATE TABLE limit_rows (id int PRIMARY KEY, title text, votes int NOT NULL)"))
        connection.execute(text("CREATE TABLE limit_votes (row_id int, user_id int, PRIMARY KEY (row_id, user_id))"))
        connection.execute(
            text("INSERT INTO limit_rows SELECT n, 'Row number ' || n, 0 FROM generate_series(1, :rows) n"),
            {"rows": rows},
        )
    engine.dispose()


def create_app(database_url: str) -> Flask:
    """The limit app on that database."""
    app = Flask(__name__)
    app.jinja_loader = DictLoader({"row.html": ROW_PAGE})  # compiled once and cached, like a template file
    engine = create_engine(database_url)

    @app.get("/row/<int:row_id>")
    def show_row(row_id: int):
        """One row by primary key, as a small page."""
        with engine.connect() as connection:
            row = connection.execute(SELECT_ROW, {"id": row_id}).first()
        if row is None:
            abort(404)
        return render_template("row.html", row=row)

    @app.put("/row/<int:row_id>/vote")
    def vote_row(row_id: int):
        """Record one user's vote and count it, in one transaction."""
        user_id = int((request.get_json(silent=True) or {}).get("user_id", 1))
        with engine.begin() as connection:
            connection.execute(INSERT_VOTE, {"id": row_id, "user": user_id})
            votes = connection.execute(COUNT_VOTE, {"id": row_id}).scalar()
        if votes is None:
            abort(404)
        return jsonify({"id": row_id, "votes": votes})

    return app


def from_environment() -> Flask:
    """gunicorn's factory (`bench.pages.limit_app:from_environment()`): the app on DATABASE_URL."""
    return create_app(os.environ["DATABASE_URL"])
