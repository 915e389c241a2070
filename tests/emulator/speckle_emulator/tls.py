"""HTTPS for the emulator: a server-side TLS context from a certificate and key in PEM files.

The handshake is done in the request's own thread, never in the accept loop, so a client that refuses the
certificate (what a verifying client does with an unknown CA) costs that client's connection only.
"""

from __future__ import annotations

import ssl

# A client that opens a connection and never starts the handshake must not hold a thread forever.
HANDSHAKE_TIMEOUT = 10.0


def server_context(cert_file: str, key_file: str) -> ssl.SSLContext:
    """A TLS server context serving ``cert_file`` (PEM, leaf first, then any intermediates) with ``key_file``.

    Raises ``ValueError`` saying which file is wrong, so the CLI can refuse to start before it listens.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(cert_file, key_file)
    except FileNotFoundError as error:
        raise ValueError(f"--tls-cert/--tls-key: {error.filename} does not exist") from None
    except (ssl.SSLError, OSError) as error:
        raise ValueError(
            f"--tls-cert {cert_file} and --tls-key {key_file} are not a PEM certificate and its private key ({error})"
        ) from None
    return context


def handshake(connection: ssl.SSLSocket) -> bool:
    """Finish the server side of the handshake; False when the client gave up or refused the certificate."""
    previous = connection.gettimeout()
    connection.settimeout(HANDSHAKE_TIMEOUT)
    try:
        connection.do_handshake()
    except (ssl.SSLError, OSError):
        return False
    connection.settimeout(previous)
    return True
