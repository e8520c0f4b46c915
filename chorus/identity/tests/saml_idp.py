"""A real SAML 2.0 identity provider on loopback for the tests: pysaml2's IdP behind WSGI.

It serves its metadata (`/metadata`), takes AuthnRequests by HTTP-Redirect (`/sso/redirect`),
shows a login form and answers with a signed Response (signed assertion inside) by HTTP-POST
to the service provider's assertion consumer service, as Okta, Entra ID or Keycloak do.

Its key and self-signed certificate are made at start. pysaml2 signs with the `xmlsec1`
program by default; this IdP signs with the python-xmlsec binding instead (the library
python3-saml verifies with), so the tests need no system package. The XML signature is the
real thing: exclusive canonicalization, RSA-SHA256, a digest of the referenced element.

Tests can bend the next answer (`idp.next_response`): another audience, another issuer,
or an IdP clock in the past.
"""

from __future__ import annotations

import base64
import datetime
import html
import secrets
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import time_machine
import xmlsec
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT  # type: ignore[import-untyped]
from saml2.config import IdPConfig  # type: ignore[import-untyped]
from saml2.metadata import entity_descriptor  # type: ignore[import-untyped]
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_EMAILADDRESS, NameID  # type: ignore[import-untyped]
from saml2.server import Server  # type: ignore[import-untyped]
from saml2.sigver import CryptoBackend  # type: ignore[import-untyped]
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256  # type: ignore[import-untyped]

EMAIL = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"
GIVEN_NAME = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname"
SURNAME = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname"
DSIG = "http://www.w3.org/2000/09/xmldsig#"


class PythonXmlsecBackend(CryptoBackend):  # type: ignore[misc]
    """pysaml2's signing and verifying through python-xmlsec (what `xmlsec1 --sign` does)."""

    def sign_statement(self, statement: Any, node_name: str, key_file: str, node_id: str) -> str:
        if isinstance(statement, str):
            statement = statement.encode()
        root = etree.fromstring(statement)
        xmlsec.tree.add_ids(root, ["ID"])
        signature = root.xpath(
            "//*[@ID=$node_id]/ds:Signature", node_id=node_id, namespaces={"ds": DSIG}
        )[0]
        context = xmlsec.SignatureContext()
        context.key = xmlsec.Key.from_file(key_file, xmlsec.constants.KeyDataFormatPem)
        context.sign(signature)
        return str(etree.tostring(root).decode())

    def validate_signature(
        self, signedtext: Any, cert_file: str, cert_type: str, node_name: str, node_id: str
    ) -> bool:
        if isinstance(signedtext, str):
            signedtext = signedtext.encode()
        root = etree.fromstring(signedtext)
        xmlsec.tree.add_ids(root, ["ID"])
        found = root.xpath(
            "//*[@ID=$node_id]/ds:Signature", node_id=node_id, namespaces={"ds": DSIG}
        )
        if not found:
            return False
        context = xmlsec.SignatureContext()
        context.key = xmlsec.Key.from_file(cert_file, xmlsec.constants.KeyDataFormatCertPem)
        try:
            context.verify(found[0])
        except xmlsec.Error:
            return False
        return True


def make_key_and_certificate(common_name: str) -> tuple[str, str]:
    """A fresh RSA key and a self-signed certificate (PEM), valid for a day."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    return key_pem, certificate.public_bytes(serialization.Encoding.PEM).decode()


@dataclass
class IdpUser:
    password: str
    email: str
    first_name: str = ""
    last_name: str = ""


@dataclass
class NextResponse:
    """How the next answer is bent (each field back to normal after one answer)."""

    audience: str | None = None
    issuer: str | None = None
    # Issue the answer as if the IdP's clock were this far in the past.
    clock_behind: datetime.timedelta | None = None


@dataclass
class LoopbackSamlIdp:
    base_url: str
    key_pem: str
    certificate_pem: str
    workdir: Path
    users: dict[str, IdpUser] = field(default_factory=dict)
    service_providers: list[str] = field(default_factory=list)
    next_response: NextResponse = field(default_factory=NextResponse)
    # AuthnRequests waiting for a sign-in: login key -> (request, relay state).
    pending: dict[str, tuple[Any, str]] = field(default_factory=dict)
    _server: Server | None = None

    @property
    def entity_id(self) -> str:
        return f"{self.base_url}/metadata"

    @property
    def metadata_url(self) -> str:
        return f"{self.base_url}/metadata"

    @property
    def sso_url(self) -> str:
        return f"{self.base_url}/sso/redirect"

    @property
    def certificate_base64(self) -> str:
        """The certificate as IdP admin pages show it (base64 DER, no PEM armour)."""
        lines = self.certificate_pem.strip().splitlines()
        return "".join(lines[1:-1])

    def add_user(self, email: str, *, password: str = "idp-secret", **names: str) -> IdpUser:
        user = IdpUser(password=password, email=email, **names)
        self.users[email] = user
        return user

    def trust_service_provider(self, metadata_xml: str) -> None:
        """Register an SP by its metadata, as an IdP admin pastes it."""
        self.service_providers.append(metadata_xml)
        self._server = None

    def server(self, entity_id: str | None = None) -> Server:
        if entity_id is None and self._server is not None:
            return self._server
        config = IdPConfig()
        config.load(self._config(entity_id or self.entity_id))
        server = Server(config=config)
        server.sec.crypto = PythonXmlsecBackend()
        if entity_id is None:
            self._server = server
        return server

    def _config(self, entity_id: str) -> dict[str, Any]:
        key_file = self.workdir / "idp.key"
        cert_file = self.workdir / "idp.crt"
        key_file.write_text(self.key_pem)
        cert_file.write_text(self.certificate_pem)
        return {
            "entityid": entity_id,
            "crypto_backend": "XMLSecurity",
            "key_file": str(key_file),
            "cert_file": str(cert_file),
            "metadata": {"inline": list(self.service_providers)},
            "service": {
                "idp": {
                    "name": "Loopback IdP",
                    "endpoints": {
                        "single_sign_on_service": [
                            (self.sso_url, BINDING_HTTP_REDIRECT),
                        ],
                    },
                    "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
                    "want_authn_requests_signed": False,
                    "sign_response": True,
                    "sign_assertion": True,
                    "policy": {
                        "default": {
                            "lifetime": {"minutes": 5},
                            "attribute_restrictions": None,
                            "name_form": NAME_FORMAT_URI,
                        }
                    },
                }
            },
        }

    def metadata_xml(self) -> str:
        return str(entity_descriptor(self.server().config))

    # The WSGI application.

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/favicon.ico":
            start_response("204 No Content", [])
            return [b""]
        if path == "/metadata":
            return _answer(start_response, "200 OK", self.metadata_xml(), "text/xml")
        if path == "/sso/redirect" and method == "GET":
            query = parse_qs(environ.get("QUERY_STRING", ""))
            return self._login_form(start_response, query)
        if path == "/login" and method == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            form = parse_qs(environ["wsgi.input"].read(length).decode())
            return self._sign_in(start_response, {key: value[0] for key, value in form.items()})
        return _answer(start_response, "404 Not Found", "Not found", "text/plain")

    def _login_form(self, start_response: Any, query: dict[str, list[str]]) -> list[bytes]:
        try:
            parsed = self.server().parse_authn_request(
                query["SAMLRequest"][0], BINDING_HTTP_REDIRECT
            )
        except Exception as error:
            return _answer(start_response, "400 Bad Request", f"Bad request: {error}", "text/plain")
        key = secrets.token_urlsafe(16)
        self.pending[key] = (parsed.message, query.get("RelayState", [""])[0])
        page = (
            "<!doctype html><html lang='en'><head><title>Loopback IdP</title></head><body>"
            "<main><h1>Loopback IdP</h1><form method='post' action='/login'>"
            f"<input type='hidden' name='key' value='{html.escape(key)}'>"
            "<label>Username <input name='username' autocomplete='username'></label>"
            "<label>Password <input name='password' type='password'></label>"
            "<button type='submit'>Sign in</button></form></main></body></html>"
        )
        return _answer(start_response, "200 OK", page, "text/html")

    def _sign_in(self, start_response: Any, form: dict[str, str]) -> list[bytes]:
        pending = self.pending.pop(form.get("key", ""), None)
        user = self.users.get(form.get("username", ""))
        if pending is None:
            return _answer(start_response, "400 Bad Request", "No sign-in waiting", "text/plain")
        if user is None or not secrets.compare_digest(user.password, form.get("password", "")):
            return _answer(start_response, "403 Forbidden", "Wrong password", "text/plain")
        request, relay_state = pending
        form_html = self.signed_response_form(request, user, relay_state)
        return _answer(start_response, "200 OK", form_html, "text/html")

    def signed_response(self, request: Any, user: IdpUser) -> tuple[str, str]:
        """(the signed Response XML, the ACS URL it goes to) for an AuthnRequest."""
        bend, self.next_response = self.next_response, NextResponse()
        server = self.server(bend.issuer)
        arguments = self.server().response_args(request, [BINDING_HTTP_POST])
        identity = {EMAIL: [user.email]}
        if user.first_name:
            identity[GIVEN_NAME] = [user.first_name]
        if user.last_name:
            identity[SURNAME] = [user.last_name]
        audience = bend.audience or arguments["sp_entity_id"]
        with _clock(bend.clock_behind):
            response = server.create_authn_response(
                identity,
                name_id=NameID(format=NAMEID_FORMAT_EMAILADDRESS, text=user.email),
                userid=user.email,
                authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"},
                sign_response=True,
                sign_assertion=True,
                in_response_to=arguments["in_response_to"],
                destination=arguments["destination"],
                sp_entity_id=audience,
                name_id_policy=arguments.get("name_id_policy"),
                sign_alg=SIG_RSA_SHA256,
                digest_alg=DIGEST_SHA256,
            )
        return str(response), arguments["destination"]

    def signed_response_form(self, request: Any, user: IdpUser, relay_state: str) -> str:
        """The page that posts the answer to the SP (a plain form, as IdPs send)."""
        response, destination = self.signed_response(request, user)
        encoded = base64.b64encode(response.encode()).decode()
        return (
            "<!doctype html><html lang='en'><head><title>Signing in</title></head><body>"
            f"<form method='post' action='{html.escape(destination)}'>"
            f"<input type='hidden' name='SAMLResponse' value='{encoded}'>"
            f"<input type='hidden' name='RelayState' value='{html.escape(relay_state)}'>"
            "<button type='submit'>Continue</button></form></body></html>"
        )


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def _answer(start_response: Any, status: str, body: str, content_type: str) -> list[bytes]:
    data = body.encode()
    start_response(
        status,
        [("Content-Type", f"{content_type}; charset=utf-8"), ("Content-Length", str(len(data)))],
    )
    return [data]


class _clock:
    """Travel back for the IdP's timestamps only (no-op without an offset)."""

    def __init__(self, behind: datetime.timedelta | None) -> None:
        self.behind = behind
        self.traveller: Any = None

    def __enter__(self) -> None:
        if self.behind is not None:
            self.traveller = time_machine.travel(
                datetime.datetime.now(datetime.UTC) - self.behind, tick=True
            )
            self.traveller.start()

    def __exit__(self, *exc: object) -> None:
        if self.traveller is not None:
            self.traveller.stop()


def running_idp() -> Iterator[LoopbackSamlIdp]:
    """Start the IdP on a free loopback port in a thread; stop it afterwards."""
    key_pem, certificate_pem = make_key_and_certificate("Loopback IdP")
    with tempfile.TemporaryDirectory(prefix="saml-idp-") as workdir:
        holder: dict[str, LoopbackSamlIdp] = {}

        def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
            return holder["idp"](environ, start_response)

        httpd: WSGIServer = make_server("127.0.0.1", 0, app, handler_class=_QuietHandler)
        idp = LoopbackSamlIdp(
            base_url=f"http://127.0.0.1:{httpd.server_port}",
            key_pem=key_pem,
            certificate_pem=certificate_pem,
            workdir=Path(workdir),
        )
        holder["idp"] = idp
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        try:
            yield idp
        finally:
            httpd.shutdown()
            httpd.server_close()
            thread.join(timeout=5)
