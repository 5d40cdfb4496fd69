"""The SMS backends for development and the example HTTP provider, against a real server."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from members.sms import FileBackend, JsonHttpBackend, SmsMessage, SmsProviderError, get_backend


class Provider(ThreadingHTTPServer):
    """A local SMS provider: records each request; answers `status` with `reply`."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), ProviderHandler)
        self.received: list[dict] = []
        self.status = 201
        self.reply = {"id": "msg-1"}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1/sms"


class ProviderHandler(BaseHTTPRequestHandler):
    server: Provider

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        self.server.received.append(
            {
                "path": self.path,
                "authorization": self.headers["Authorization"],
                "content_type": self.headers["Content-Type"],
                "body": json.loads(self.rfile.read(length)),
            }
        )
        answer = json.dumps(self.server.reply).encode()
        self.send_response(self.server.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format, *args) -> None:  # quiet in the test output
        pass


@pytest.fixture
def provider():
    server = Provider()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def http_sms(settings, provider):
    settings.SMS_BACKEND = "members.sms.JsonHttpBackend"
    settings.SMS_HTTP_URL = provider.url
    settings.SMS_HTTP_API_KEY = "key-Wombat-7"
    settings.SMS_HTTP_SENDER = "Aroma"
    return provider


def test_the_http_provider_receives_json_with_the_key(http_sms):
    backend = get_backend()

    sent = backend.send_messages(
        [SmsMessage("+40721234567", "Hi Ana: 450 points"), SmsMessage("+40721000000", "Bună")]
    )

    assert sent == 2
    assert backend.sent_ids == ["msg-1", "msg-1"]
    first, second = http_sms.received
    assert first == {
        "path": "/v1/sms",
        "authorization": "Bearer key-Wombat-7",
        "content_type": "application/json",
        "body": {"to": "+40721234567", "text": "Hi Ana: 450 points", "from": "Aroma"},
    }
    assert second["body"]["text"] == "Bună"


def test_a_refusal_of_the_provider_is_a_clear_error(http_sms):
    http_sms.status = 422
    http_sms.reply = {"error": "invalid number"}

    with pytest.raises(SmsProviderError) as refused:
        get_backend().send_messages([SmsMessage("+400", "Hi")])

    assert refused.value.status == 422
    assert "invalid number" in refused.value.detail
    assert "HTTP 422" in str(refused.value)
    assert len(http_sms.received) == 1


def test_failing_silently_counts_only_what_was_sent(http_sms):
    http_sms.status = 500

    assert get_backend(fail_silently=True).send_messages([SmsMessage("+40721234567", "x")]) == 0


def test_no_answer_is_an_error_too(settings, provider):
    url = provider.url
    provider.shutdown()
    provider.server_close()

    backend = JsonHttpBackend(url=url, api_key="k", timeout=2)
    with pytest.raises(SmsProviderError) as unreachable:
        backend.send_messages([SmsMessage("+40721234567", "x")])

    assert unreachable.value.status == 0


def test_the_file_backend_writes_one_file_per_message(settings, tmp_path):
    settings.SMS_BACKEND = "members.sms.FileBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms")

    sent = get_backend().send_messages(
        [SmsMessage("+40721234567", "Hi Ana"), SmsMessage("+40721000000", "Hi Bob")]
    )

    files = sorted((tmp_path / "sms").iterdir())
    assert sent == 2 and len(files) == 2
    contents = sorted(path.read_text() for path in files)
    assert contents == ["To: +40721000000\n\nHi Bob\n", "To: +40721234567\n\nHi Ana\n"]


def test_the_file_backend_takes_its_folder_as_an_argument(tmp_path):
    FileBackend(file_path=tmp_path).send_messages([SmsMessage("+40721234567", "Hi")])

    assert len(list(tmp_path.iterdir())) == 1
