"""Page benchmark: `python -m bench.pages` (`make bench-pages`), the app's pages at organisation scale.

For each population size (`population.build`, PostgreSQL), the app (`gunicorn wsgi:app`) and a
minimal "limit" app (`limit_app.py`: one primary-key SELECT and a small Jinja page; one upsert and
one UPDATE per write) run side by side under gunicorn with the same sync workers. Every URL of
`urls.py` is first checked with one request (status, size, not the sign-in page), sampled with ~20
sequential requests for the SQL the app reports in `Server-Timing`, then driven by `wrk` over
loopback (Lua scripts count unexpected statuses as errors; writes spread over many users and
ideas). After each URL the backlog is drained and the app workers' RSS/PSS and any gunicorn
worker timeout or restart are recorded. Throughput is reported as a percentage of the limit app
measured in the same run (mean of its runs at the start and end of each size), then growth
between sizes and a check against the goals in `goals.py`.
"""
