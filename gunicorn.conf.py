"""Gunicorn settings, read from the environment so a deployment changes them without code.

DuckDB allows many read-only connections to one file in a process; a Python connection is
not thread-safe, so each worker opens one connection after fork and hands out a cursor per
request. Threads are cheap here: most request time is spent inside DuckDB or pandas, which
release the GIL.
"""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8050')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("MLR_THREADS", "4"))
worker_class = "gthread"
timeout = int(os.environ.get("MLR_TIMEOUT", "30"))
# Do not preload: the DuckDB connection must be opened in each worker, after fork.
preload_app = False
accesslog = "-"
