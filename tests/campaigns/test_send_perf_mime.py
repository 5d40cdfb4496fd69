"""The email's bytes as `campaigns.messaging.channels.wire_bytes` writes them read back, in a
standard parser, as Django's own path gives them: headers, bodies, transfer encodings; and
what it does not write goes Django's path."""

import email
from email.policy import default

import pytest
from django.core.mail import EmailMultiAlternatives

from campaigns.messaging.channels import WireEmail, WireMessage, wire_bytes

LONG = "word " * 300  # one line longer than RFC 5322 allows: quoted-printable
CASES = {
    "ascii": dict(subject="Double points", body="Hello\nthere\n", html="<p>Hi</p>"),
    "accents": dict(
        subject="Puncte duble în weekend, ăâîșț \u2013 €5",
        body="Bună ziua, Ștefan!\r\nPuncte duble.",
        html="<p>Bună ziua, <b>Ștefan</b></p>",
        sender='"Cafenea Ăroma" <noreply@example.com>',
    ),
    "quotes in the name": dict(sender='"Joe \\"Beans\\" Café" <noreply@example.com>'),
    "long subject": dict(subject="A very long subject " * 8),
    "long lines": dict(body=LONG + "\nend ñ", html="<p>" + LONG + "</p>"),
    "no html": dict(html=None),
    "dots and froms": dict(body=".\n..\nFrom here\n--\n", html="<p>\n.\n</p>"),
    "boundary-like": dict(body="--===============\n==", html="x"),
    "empty text": dict(body=""),
    "cc": dict(cc=["other@example.com"]),
    "address beyond ascii": dict(to="ștefan@example.com"),
    "line break in subject": dict(subject="Hi\nBcc: x@example.com"),
}


def make(cls, case: dict):
    values = {
        "subject": "Subject",
        "body": "Text",
        "html": "<p>Html</p>",
        "sender": '"Send bench" <noreply@example.com>',
        "to": "member@example.com",
        **case,
    }
    mail = cls(
        subject=values["subject"],
        body=values["body"],
        from_email=values["sender"],
        to=[values["to"]],
        cc=values.get("cc"),
        headers={
            "X-Fidela-Message": "42",
            "List-Unsubscribe": "<https://example.com/m/shop/messages/unsubscribe/"
            + "t" * 150
            + ">",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    if values["html"]:
        mail.attach_alternative(values["html"], "text/html")
    return mail


def read(raw: bytes):
    assert b"\n" not in raw.replace(b"\r\n", b"")  # CRLF line ends only
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    return email.message_from_bytes(raw, policy=default)


def parts(message) -> list[tuple[str, str, str]]:
    return [
        (p.get_content_type(), p.get("Content-Transfer-Encoding", ""), p.get_content())
        for p in message.walk()
        if not p.is_multipart()
    ]


@pytest.mark.parametrize("name", CASES)
def test_reads_back_as_djangos_path(name):
    case = CASES[name]
    try:
        django_raw = make(EmailMultiAlternatives, case).message().as_bytes(linesep="\r\n")
    except Exception as error:  # Django refuses it: so does the wire email (its path)
        with pytest.raises(type(error)):
            make(WireEmail, case).message()
        assert wire_bytes(make(WireEmail, case)) is None
        return
    wire = make(WireEmail, case).message()
    raw = wire.as_bytes(linesep="\r\n")
    ours, theirs = read(raw), read(django_raw)
    for header in ("Subject", "From", "To", "Cc", "MIME-Version", "X-Fidela-Message"):
        assert ours[header] == theirs[header], header
    for header in ("List-Unsubscribe", "List-Unsubscribe-Post"):
        assert ours[header].strip() == theirs[header].strip()
    assert ours.get_content_type() == theirs.get_content_type()
    assert ours["Date"] and ours["Message-ID"].endswith(">")
    assert parts(ours) == parts(theirs)
    assert [k.lower() for k in ours] == [k.lower() for k in theirs]


def test_writes_the_ordinary_email_itself():
    assert isinstance(make(WireEmail, CASES["accents"]).message(), WireMessage)
    assert isinstance(make(WireEmail, CASES["no html"]).message(), WireMessage)
    assert not isinstance(make(WireEmail, CASES["cc"]).message(), WireMessage)
    assert wire_bytes(make(WireEmail, CASES["address beyond ascii"])) is None


def test_other_line_ends_for_other_backends():
    message = make(WireEmail, CASES["ascii"]).message()
    assert b"\r\n" not in message.as_bytes()
    assert message.as_bytes().count(b"\n") == message.as_bytes(linesep="\r\n").count(b"\r\n")
    assert "Subject: Double points" in message.as_string()


def test_handed_straight_to_djangos_smtp_connection(smtp_server):
    from django.core.mail import get_connection

    from campaigns.messaging.channels import hand_over

    mail = get_connection()
    mail.open()
    try:
        hand_over(make(WireEmail, CASES["accents"]), mail)
        hand_over(make(WireEmail, CASES["cc"]), mail)  # Django's path, on the same connection
    finally:
        mail.close()
    first, second = smtp_server.received
    # (the parser keeps the space before a folded encoded word, as with Django's path)
    assert first["Subject"].strip() == CASES["accents"]["subject"]
    text = first.get_body(("plain",)).get_content()
    assert text.splitlines() == ["Bună ziua, Ștefan!", "Puncte duble."]
    assert first["From"].addresses[0].display_name == "Cafenea Ăroma"
    assert second["Cc"] == "other@example.com"
