"""Article views, counted in memory and written in batches."""

import atexit
import logging
import threading
import time
from collections import Counter

from ainews.db import write_transaction
from models import Article


class ViewCounter:
    """Article views, counted in memory and written together once a second.

    Writing each view at once made every article page a write transaction
    that queues behind every other worker's writes (with wrk and 2 gunicorn
    workers, a median of 121 article pages a second against 166 without
    counting; see docs/benchmarks.md). Here a page view only adds to a counter; a thread
    writes all the counts of the last `interval` seconds in one transaction.
    No view is lost: counts whose write fails are kept for the next one,
    and the process writes what is left when it exits (gunicorn's
    `worker_exit` hook and `atexit`). Only a killed process (SIGKILL, a
    worker timeout) loses its last second. With `interval=0` every view is
    written at once, before the response (tests use that).
    """

    def __init__(self, db, interval=1.0):
        self.db = db
        self.interval = interval
        self.pending = Counter()
        self.lock = threading.Lock()  # guards `pending`
        self.writing = threading.Lock()  # one write at a time, so an exit waits for the timer's
        self.timer = None

    def add(self, article_id):
        with self.lock:
            self.pending[article_id] += 1
            if self.interval and self.timer is None:
                # Started on first use, so a server that forks after
                # creating the app starts it in each worker.
                self.timer = threading.Thread(target=self.run, name="view-counter", daemon=True)
                self.timer.start()
                atexit.register(self.flush_quietly)
        if not self.interval:
            self.flush_quietly()  # a view that cannot be written must not cost the reader the page

    def flush(self):
        """Write the pending counts; returns how many views were written."""
        with self.writing:
            with self.lock:
                batch, self.pending = self.pending, Counter()
            if not batch:
                return 0
            was_closed = self.db.is_closed()
            try:
                with write_transaction(self.db):
                    for article_id, views in sorted(batch.items()):
                        Article.update(views=Article.views + views).where(Article.id == article_id).execute(self.db)
            except Exception:
                with self.lock:
                    self.pending.update(batch)
                raise
            finally:
                if was_closed:
                    self.db.close()
            return sum(batch.values())

    def flush_quietly(self):
        """Flush, logging a failure instead of raising: the counts wait for the next try."""
        try:
            self.flush()
        except Exception:
            logging.getLogger(__name__).exception("could not write %d article views", sum(self.pending.values()))

    def run(self):
        """The timer thread: a flush every `interval` seconds, as long as the process lives."""
        while True:
            time.sleep(self.interval)
            self.flush_quietly()
