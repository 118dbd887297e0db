"""An SMTP server with AUTH (and STARTTLS when given a certificate) for the campaign tests, on aiosmtpd.
Usage: smtp_auth_server.py PORT DUMP_DIR USER PASSWORD [CERT KEY]. Each message is written to DUMP_DIR with
X-Auth-User and X-Tls lines on top. Prints "ready" when listening."""
import os
import ssl
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

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


class Handler:
    count = 0

    async def handle_DATA(self, server, session, envelope):
        Handler.count += 1
        top = f"X-Auth-User: {getattr(session, 'mailroom_user', '')}\r\nX-Tls: {1 if session.ssl else 0}\r\n"
        with open(os.path.join(dump, f"{Handler.count}.eml"), "wb") as f:
            f.write(top.encode() + envelope.original_content)
        return "250 OK"


controller = Controller(Handler(), hostname="127.0.0.1", port=port, authenticator=authenticator,
                        auth_require_tls=tls is not None, tls_context=tls, require_starttls=tls is not None)
controller.start()
print("ready", flush=True)
while True:
    time.sleep(3600)
