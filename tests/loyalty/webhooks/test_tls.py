"""https deliveries connect to the checked address, while TLS still checks the host's name."""

import datetime
import http.server
import socket
import ssl
import threading

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from loyalty.models.webhooks import DeliveryStatus, WebhookDelivery
from loyalty.tasks import drain_outbox
from loyalty.webhooks import delivery as sender
from loyalty.webhooks import services
from members.services.enrolment import enrol_member


def _certificate(tmp_path, name: str):
    """A certificate for `name`, signed by itself; written with its key, and as its own CA."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path = tmp_path / "cert.pem"
    key_path = tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def tls_receiver(tmp_path, request):
    """An https receiver on the loopback address whose certificate names `request.param`."""
    cert_path, key_path = _certificate(tmp_path, request.param)
    received = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            received.append(dict(self.headers.items()))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    # Listen where the sender will connect: the first address "localhost" resolves to.
    address = socket.getaddrinfo("localhost", 0, type=socket.SOCK_STREAM)[0][4][0]

    class Server(http.server.ThreadingHTTPServer):
        address_family = socket.AF_INET6 if ":" in address else socket.AF_INET

    server = Server((address, 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server.server_address[1], cert_path, received
    server.shutdown()
    server.server_close()
    thread.join()


def _deliver(merchant, shop, owner, port, monkeypatch, cert_path):
    monkeypatch.setattr(sender, "CA_BUNDLE", str(cert_path))
    endpoint = services.create_endpoint(
        merchant=merchant,
        actor=owner,
        url=f"https://localhost:{port}/hook",
        events=["member.joined"],
    )
    enrol_member(merchant=merchant, email="ana@example.com", shop=shop)
    drain_outbox()
    sender.send_due_deliveries()
    return WebhookDelivery.objects.get(endpoint=endpoint)


@pytest.mark.parametrize("tls_receiver", ["localhost"], indirect=True)
def test_an_https_delivery_verifies_the_certificate_of_the_host_name(
    tls_receiver, merchant_a, shop_a, owner_a, insecure, monkeypatch
):
    port, cert_path, received = tls_receiver

    delivery = _deliver(merchant_a, shop_a, owner_a, port, monkeypatch, cert_path)

    assert delivery.status == DeliveryStatus.SUCCEEDED, delivery.error
    assert len(received) == 1
    assert received[0]["Host"] == f"localhost:{port}"


@pytest.mark.parametrize("tls_receiver", ["someone-else.example"], indirect=True)
def test_a_certificate_for_another_name_is_refused(
    tls_receiver, merchant_a, shop_a, owner_a, insecure, monkeypatch
):
    port, cert_path, received = tls_receiver

    delivery = _deliver(merchant_a, shop_a, owner_a, port, monkeypatch, cert_path)

    assert delivery.status == DeliveryStatus.PENDING
    assert "SSLError" in delivery.error
    assert received == []
