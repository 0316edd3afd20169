"""What gunicorn.conf.py plugs into gunicorn: a safe access log, and workers that die with their master."""

import ctypes
import os
import signal

from gunicorn.glogging import Logger

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def printable(text):
    """`text` with every character that is not printable written as an escape, so no value can fake a log line."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else char.encode("unicode_escape").decode() for char in text)


class AccessLogger(Logger):
    """gunicorn's logger, with control characters in the request (a %0a in the path, a NUL) escaped."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {name: printable(value) if isinstance(value, str) else value for name, value in atoms.items()}


def die_with_master(server, worker):
    """gunicorn's post_fork hook: the worker stops at once when its master dies.

    A master killed with SIGKILL cannot stop its workers, and an orphaned
    worker would keep the port while it finishes its requests (up to the
    graceful timeout), so a new server could not start. With this the kernel
    signals the worker when its master dies: it closes its listening
    sockets, which frees the port, writes the views it counted and exits.
    Requests still in flight are dropped, as the master's death already
    dropped the rest.
    """
    signal.signal(ORPHANED, lambda signum, frame: quit_orphaned(worker))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, ORPHANED)
    if os.getppid() != server.pid:  # the master died before prctl took effect
        quit_orphaned(worker)


ORPHANED = signal.SIGRTMIN  # a signal gunicorn has no use for


def quit_orphaned(worker):
    for listener in worker.sockets:
        listener.close()
    counter = getattr(getattr(worker, "wsgi", None), "extensions", {}).get("view_counter")
    if counter is not None:
        counter.flush_quietly()
    os._exit(0)
