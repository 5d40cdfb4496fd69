"""A real HTTP receiver on 127.0.0.1 for webhook tests, and helpers around the outbox."""

import http.server
import threading
from dataclasses import dataclass, field
from datetime import datetime

import pytest
import time_machine

from loyalty.webhooks import consumer, services


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Answers each POST with the next status of `statuses` (the last one repeats)."""

    url: str = ""
    statuses: list[int] = field(default_factory=lambda: [204])
    requests: list[Received] = field(default_factory=list)

    def next_status(self) -> int:
        return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]


@pytest.fixture(autouse=True)
def _consumer_registered():
    # The app registers it at start; a test elsewhere that clears an event type's consumers
    # must not leave these tests without it. Registering is idempotent.
    consumer.register()


@pytest.fixture
def receiver():
    state = Receiver()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            state.requests.append(Received(self.path, dict(self.headers.items()), body))
            status = state.next_status()
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", "/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):  # keep the test output quiet
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/fidela"
    yield state
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def insecure(settings):
    """Development mode: http and loopback endpoints allowed, like the receiver above."""
    settings.WEBHOOKS_ALLOW_INSECURE = True


@pytest.fixture
def clock():
    """A stopped clock the test moves by hand with `clock.shift(...)`."""
    with time_machine.travel(datetime.fromisoformat("2026-03-02T09:00:00+00:00"), tick=False) as t:
        yield t


@pytest.fixture
def endpoint_a(insecure, merchant_a, owner_a, receiver):
    return services.create_endpoint(
        merchant=merchant_a,
        actor=owner_a,
        url=receiver.url,
        events=["member.joined", "purchase.recorded"],
        description="CRM",
    )
