"""gunicorn settings for `make serve`, read from the environment.

    WEB_CONCURRENCY  worker processes (2)
    THREADS          threads per worker (4)
    BIND             address to listen on (127.0.0.1:$PORT); PORT defaults to 5000

One access line per request goes to standard output; gunicorn's own
messages and errors go to standard error.
"""

import os

from ainews.ops.serving import die_with_master

wsgi_app = "app:create_app()"
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("THREADS", "4"))
bind = os.environ.get("BIND") or f"127.0.0.1:{os.environ.get('PORT', '5000')}"

# Each worker listens on a socket of its own (SO_REUSEPORT), and the kernel
# spreads new connections over them. With one shared socket, the worker
# that woke first took every connection a client opened at once: under
# wrk, all of its keep-alive connections could land on one worker, and
# throughput went from one run to the next between one and two workers'
# worth (bench/wrk.py prints the busiest worker's share of CPU time).
# Not for a Unix socket, nor port 0 (any free port: each worker would get
# another one).
reuse_port = not bind.startswith("unix:") and not bind.endswith(":0")

# Method, path (the query is left out: it holds what readers search for),
# status, bytes and time taken in milliseconds.
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
# Control characters in a request are written as escapes: a %0a in the path
# cannot forge a second log line.
logger_class = "ainews.ops.serving.AccessLogger"

# A restart right after the master was killed: the old workers quit as soon
# as their master is gone, freeing the port (a new master retries binding
# for a few seconds).
post_fork = die_with_master

# Finish the requests in flight when asked to stop (SIGTERM).
graceful_timeout = 30

# gunicorn's control socket has one default path per user, which every
# gunicorn of that user (another site, the tests, a benchmark) would share;
# signals do the same job: TERM stops, HUP reloads, TTIN/TTOU add or remove a worker.
control_socket_disable = True


def worker_exit(server, worker):
    """Write the article views this worker counted but has not written yet."""
    app = getattr(worker, "wsgi", None)
    counter = getattr(app, "extensions", {}).get("view_counter")
    if counter is not None:
        counter.flush()
