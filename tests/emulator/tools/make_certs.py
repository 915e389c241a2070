"""Throw-away certificates for HTTPS tests: a test CA, a server certificate it signs, and an unrelated CA.

``python tests/emulator/tools/make_certs.py DIR`` writes, into DIR (created if needed):

- ``ca.pem``: the test CA's certificate (what ``ca_path`` points at),
- ``server.pem`` and ``server.key``: a certificate for ``localhost``, ``127.0.0.1`` and ``::1`` signed by that CA,
  and its unencrypted private key (for ``--tls-cert`` and ``--tls-key``),
- ``other-ca.pem``: a CA that signed nothing here (a ``ca_path`` that must not verify the server).

Made with the ``cryptography`` package (installed with ansible-core), so no ``openssl`` binary is needed.
Everything is valid from one hour ago for two days only: the files are for one test run.
"""

from __future__ import annotations

import argparse
import datetime
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SERVER_NAMES = ("localhost",)
SERVER_ADDRESSES = ("127.0.0.1", "::1")


@dataclass(frozen=True)
class TestCertificates:
    """Paths of the files ``write_certificates`` made."""

    __test__ = False  # not a pytest test class, despite the name

    ca: Path
    server_cert: Path
    server_key: Path
    other_ca: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _ca(common_name: str, now: datetime.datetime) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A self-signed CA with the extensions strict verifiers (Python 3.13's default) insist on."""
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(_name(common_name))
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def _server(
    ca_key: ec.EllipticCurvePrivateKey, ca: x509.Certificate, now: datetime.datetime
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A server certificate for the loopback names, signed by ``ca``."""
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key()
    names: list[x509.GeneralName] = [x509.DNSName(name) for name in SERVER_NAMES]
    names += [x509.IPAddress(ipaddress.ip_address(address)) for address in SERVER_ADDRESSES]
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name("speckle emulator (test)"))
        .issuer_name(ca.subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return key, certificate


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def write_certificates(directory: Path | str) -> TestCertificates:
    """Make a fresh test CA, a server certificate it signs and an unrelated CA, as PEM files in ``directory``."""
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)
    ca_key, ca = _ca("speckle.server test CA", now)
    server_key, server = _server(ca_key, ca, now)
    _other_key, other = _ca("speckle.server unrelated test CA", now)
    paths = TestCertificates(
        ca=target / "ca.pem",
        server_cert=target / "server.pem",
        server_key=target / "server.key",
        other_ca=target / "other-ca.pem",
    )
    paths.ca.write_bytes(_pem(ca))
    paths.server_cert.write_bytes(_pem(server))
    paths.other_ca.write_bytes(_pem(other))
    key_bytes = server_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    # The key is created readable by its owner only, never world-readable for a moment.
    descriptor = os.open(paths.server_key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key_bytes)
    return paths


def main(argv: list[str] | None = None) -> int:
    """Write the files into the directory given on the command line and print their paths."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("directory")
    paths = write_certificates(parser.parse_args(argv).directory)
    for path in (paths.ca, paths.server_cert, paths.server_key, paths.other_ca):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
