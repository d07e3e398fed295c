"""Records a real browser's passkey ceremonies for tests/idp/test_passkey_vectors.py (run by
hand: ``python -m tests.support.record_passkey_vectors``; never by pytest).

Debian's Chromium with a virtual authenticator (the DevTools WebAuthn domain) makes a passkey and
then signs in with it on a page served at http://localhost:PORT, with fixed challenges and user
handle. The browser's JSON for both, with what it was asked, goes to tests/idp/data/."""
import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS

OUT = Path(__file__).resolve().parents[1] / "idp" / "data" / "chromium_passkey.json"
REGISTRATION_CHALLENGE = b"recorded-registration-challenge!"
LOGIN_CHALLENGE = b"recorded-login-challenge-32bytes"
USER_HANDLE = b"0123456789abcdef0123456789abcdef"  # the shape of a seller's sub


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


CEREMONIES = """
async (args) => {
  const buf = (s) => {
    let b = s.replace(/-/g, '+').replace(/_/g, '/');
    while (b.length % 4) b += '=';
    return Uint8Array.from(atob(b), c => c.charCodeAt(0));
  };
  const txt = (b) => btoa(String.fromCharCode(...new Uint8Array(b)))
    .replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
  const made = await navigator.credentials.create({publicKey: {
    rp: {id: 'localhost', name: 'Qoo10 QSM'},
    user: {id: buf(args.user), name: 'seller@example.com', displayName: 'Seller'},
    challenge: buf(args.registration), pubKeyCredParams: [{type: 'public-key', alg: -7}],
    authenticatorSelection: {residentKey: 'required', userVerification: 'required'}, attestation: 'none'}});
  const used = await navigator.credentials.get({publicKey: {
    rpId: 'localhost', challenge: buf(args.login), userVerification: 'required'}});
  const made_ = made.response, used_ = used.response;
  return {
    registration: {id: made.id, rawId: txt(made.rawId), type: made.type, clientExtensionResults: {},
      response: {clientDataJSON: txt(made_.clientDataJSON), attestationObject: txt(made_.attestationObject),
                 transports: made_.getTransports()}},
    authentication: {id: used.id, rawId: txt(used.rawId), type: used.type, clientExtensionResults: {},
      response: {clientDataJSON: txt(used_.clientDataJSON), authenticatorData: txt(used_.authenticatorData),
                 signature: txt(used_.signature), userHandle: txt(used_.userHandle)}}};
}
"""


class Blank(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<!doctype html><title>Recorder</title>")

    def log_message(self, *args):
        pass


def main():
    server = HTTPServer(("127.0.0.1", 0), Blank)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://localhost:{server.server_port}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page()
        cdp = page.context.new_cdp_session(page)
        cdp.send("WebAuthn.enable")
        options = {"protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
                   "isUserVerified": True, "automaticPresenceSimulation": True}
        cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})
        page.goto(origin + "/")
        recorded = page.evaluate(
            CEREMONIES,
            {
                "user": b64url(USER_HANDLE),
                "registration": b64url(REGISTRATION_CHALLENGE),
                "login": b64url(LOGIN_CHALLENGE),
            },
        )
        version = browser.version
        browser.close()
    server.shutdown()
    recorded.update(
        recorded_with=f"Chromium {version}, virtual authenticator (ctap2, internal, resident key, user verified)",
        origin=origin,
        rp_id="localhost",
        user_handle=b64url(USER_HANDLE),
        registration_challenge=b64url(REGISTRATION_CHALLENGE),
        login_challenge=b64url(LOGIN_CHALLENGE),
    )
    OUT.write_text(json.dumps(recorded, indent=2) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
