"""moto's server (S3 + SQS over HTTP) with one fix: ReceiveMessage hands a message to one caller.

moto 5.2.5 checks that a message is visible and marks it received without a lock, so two
receives running at once on different server threads can both take the same message inside its
visibility timeout (three pollers on a 50-message queue: about one message in a thousand, more
on a loaded machine). SQS does not give an in-flight message to a second consumer; the platform
copes with duplicates anyway (idempotent verdicts), but tests that count dead letters exactly
would fail at random. Each queue's receives therefore take turns here; the long poll itself
waits outside the lock, so a waiting receive does not hold up the others.
"""

import sys
import threading
import time
from collections import defaultdict

from moto.server import main
from moto.sqs.models import SQSBackend

_receive_once = SQSBackend.receive_message
_queue_locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
_queue_locks_guard = threading.Lock()


def _lock_of(queue_name: str) -> threading.Lock:
    with _queue_locks_guard:
        return _queue_locks[queue_name]


def _receive_message(self, queue_name, count, wait_seconds_timeout, visibility_timeout, message_attribute_names=None):
    deadline = time.monotonic() + wait_seconds_timeout
    queue = self.get_queue(queue_name)
    while True:
        with _lock_of(queue_name):
            # Without a wait, moto's own loop scans the queue once and returns.
            result = _receive_once(self, queue_name, count, 0, visibility_timeout, message_attribute_names)
        remaining = deadline - time.monotonic()
        if result or remaining <= 0:
            return result
        queue.wait_for_messages(min(1, remaining))


SQSBackend.receive_message = _receive_message

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
