"""`python -m bench.soak [--minutes M]` (`make soak SOAK_ARGS=…`): minutes of mixed load against gunicorn.

What it runs, on a PostgreSQL database of its own (`ideapool_soak`, dropped and re-created at the start, on
the server DATABASE_URL names) and a Redis of its own (a redis-server it starts on a free port, without
persistence; or --redis-url, flushed at the start):
- gunicorn with gunicorn.conf.py and 2 sync workers (max_requests off, so a leak cannot hide behind
  planned restarts), one `flask --app wsgi worker`, and the benches' SMTP sink (bench/smtp_sink.py) in
  a process of its own;
- CLIENTS threads that, for M minutes, read the list and idea pages (signed-in cookies) and the API, post
  ideas, vote and unvote, comment and reply, answer ideas as an executive and now and then merge one
  idea into another as a moderator (Bearer tokens);
- the memory (RSS, its anonymous part, and PSS) of each gunicorn worker and of the RQ worker's long-lived
  processes (itself and its scheduler), sampled after a warm-up (WARMUP_SECONDS of load) and at the end,
  each time at rest: the clients pause and every job finishes first (RQ forks a work-horse per job, which
  shares the worker's pages: under load the worker's PSS swings by a third from one moment to the next).
  The jobs' own code runs in those work-horses, which exit after each job, so it cannot leak into the
  worker; what the worker's figures judge is what lives the whole run: RQ's loop and the job relay.

It prints a table: requests by kind with their errors (status >= 500 or no answer) and p50/p95 latency,
jobs by outcome, e-mails received and the notifications by e-mail state, memory at start and end with
growth. It exits 1 when any request erred or answered neither as expected nor with a 409 (RACES); when a
job failed or did not finish; when an e-mail is still pending, failed or came twice, or the messages
received are not one per notification marked sent; when a server logged trouble; or when any process's
RSS or anonymous memory grew by 10 % or more, or the process was gone by the end (PSS is shown, not
judged: see memory.Memory).

Modules, each importing only those listed after it: `__main__` (command line and run), `report`, `drive`
(servers up, clients driven, memory sampled at rest), `workload` (the clients' requests and tally),
`memory`, `processes` (gunicorn, RQ worker, redis-server), `database_counts` (jobs and e-mail states
read back), `seed` (the database before the load).
"""
