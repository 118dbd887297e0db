"""An SMTP server with AUTH (and STARTTLS when given a certificate) for the campaign tests, on aiosmtpd.
Usage: smtp_auth_server.py PORT DUMP_DIR USER PASSWORD [CERT KEY]. Each message is written to DUMP_DIR with
X-Auth-User, X-Tls, X-Pipelined and X-Rcpt lines on top. Prints "ready" when listening.
With MAILROOM_TEST_PIPELINING=1 it offers PIPELINING (RFC 2920) and refuses RCPT to local parts that start with
"refused" (550) or "later" (451), as a real MTA does with unknown or greylisted recipients.
With MAILROOM_TEST_INTROSPECT=http://client:secret@host:port/path it also offers AUTH XOAUTH2 and checks the bearer
token by OAuth2 introspection there (active, and issued to the SASL user, or an app-only token of the app whose
client id is the SASL user's local part), as Microsoft 365 or Gmail check theirs; a refused token gets the 334 JSON
error challenge, then 535. X-Auth-Grant says how the sender signed in: password, user (delegated) or app:<client id>."""
import base64
import collections
import json
import os
import urllib.parse
import urllib.request
import ssl
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

port, dump, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3].encode(), sys.argv[4].encode()
tls = None
if len(sys.argv) > 6:
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(sys.argv[5], sys.argv[6])


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == user and auth_data.password == password
    if ok:
        session.mailroom_user = auth_data.login.decode()
    return AuthResult(success=ok, handled=False)


PIPELINING = os.environ.get("MAILROOM_TEST_PIPELINING") == "1"
INTROSPECT = os.environ.get("MAILROOM_TEST_INTROSPECT")


def introspect(token):
    url = urllib.parse.urlsplit(INTROSPECT)
    plain = urllib.parse.urlunsplit((url.scheme, f"{url.hostname}:{url.port}", url.path, "", ""))
    request = urllib.request.Request(plain, data=urllib.parse.urlencode({"token": token}).encode())
    basic = base64.b64encode(f"{url.username}:{url.password}".encode()).decode()
    request.add_header("Authorization", f"Basic {basic}")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


class Handler:
    count = 0

    async def auth_XOAUTH2(self, server, args):
        if not INTROSPECT:
            return AuthResult(success=False, handled=False)
        if len(args) > 1:
            raw = base64.b64decode(args[1])
        else:
            raw = await server.challenge_auth("", encode_to_b64=False)
        fields = dict(f.split("=", 1) for f in raw.decode().split("\x01") if "=" in f)
        user, token = fields.get("user", ""), fields.get("auth", "").removeprefix("Bearer ")
        answer = introspect(token) if token else {}
        # An app-only token (client credentials) names no user: the app whose client id is the mailbox's local
        # part may send as it, as Exchange lets an app with SMTP.SendAsApp and a mailbox permission.
        app = answer.get("client_id") if "username" not in answer else None
        if answer.get("active") is True and (answer.get("username") == user or (app and app == user.split("@")[0])):
            server.session.mailroom_user = user
            server.session.mailroom_grant = f"app:{app}" if app else "user"
            return AuthResult(success=True, auth_data=user)
        await server.challenge_auth(json.dumps({"status": "401", "schemes": "bearer", "scope": "mail"}))
        return AuthResult(success=False, handled=False)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if PIPELINING:
            responses.insert(1, "250-PIPELINING")
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        # DATA already waiting in the buffer while RCPT is answered: the client pipelined its commands.
        session.pipelined = b"DATA" in bytes(getattr(server._reader, "_buffer", b""))
        local = address.split("@")[0]
        if PIPELINING and local.startswith("refused"):
            return "550 5.1.1 No such user here"
        if PIPELINING and local.startswith("later"):
            return "451 4.7.1 Greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        Handler.count += 1
        pipelined = 1 if getattr(session, "pipelined", False) else 0
        top = f"X-Auth-User: {getattr(session, 'mailroom_user', '')}\r\nX-Tls: {1 if session.ssl else 0}\r\n"
        top += f"X-Auth-Grant: {getattr(session, 'mailroom_grant', 'password')}\r\n"
        top += f"X-Pipelined: {pipelined}\r\nX-Rcpt: {','.join(envelope.rcpt_tos)}\r\n"
        with open(os.path.join(dump, f"{Handler.count}.eml"), "wb") as f:
            f.write(top.encode() + envelope.original_content)
        return "250 OK"


if INTROSPECT:
    # An AUTH XOAUTH2 line carries a JWT: RFC 4954 allows 12 288 octets, aiosmtpd's default is 512.
    SMTP.line_length_limit = 16384
    SMTP.command_size_limits = collections.defaultdict(lambda: 16384)
controller = Controller(Handler(), hostname="127.0.0.1", port=port, authenticator=authenticator,
                        auth_require_tls=tls is not None, tls_context=tls, require_starttls=tls is not None)
controller.start()
print("ready", flush=True)
while True:
    time.sleep(3600)
