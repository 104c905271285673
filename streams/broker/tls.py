"""Certificates for a local cluster that serves its clients over TLS: a CA of its own and one
server certificate for the loopback address, made once beside the cluster (PEM, key private).
Clients trust the CA through ``INJURYHUB_KAFKA_CA_FILE``; the nodes use it among themselves."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from streams.broker.sasl import write_private

VALID_FOR = timedelta(days=825)


def ca_path(home: Path) -> Path:
    return home / "tls" / "ca.pem"


def server_path(home: Path) -> Path:
    """The nodes' key and certificate chain in one PEM file (Kafka's PEM keystore)."""
    return home / "tls" / "server.pem"


def ensure_certificates(home: Path, host: str) -> None:
    """Make the CA and the server certificate for ``host`` unless they exist."""
    if ca_path(home).exists() and server_path(home).exists():
        return
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "injury-hub local CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + VALID_FOR)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + VALID_FOR)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    key_pem = key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    write_private(server_path(home), key_pem + server.public_bytes(pem).decode())
    ca_path(home).write_bytes(ca.public_bytes(pem))


def listener_properties(home: Path) -> dict[str, str]:
    """The TLS half of a SASL_SSL node's configuration."""
    return {
        "ssl.keystore.type": "PEM",
        "ssl.keystore.location": str(server_path(home)),
        "ssl.truststore.type": "PEM",
        "ssl.truststore.location": str(ca_path(home)),
        "ssl.endpoint.identification.algorithm": "https",
        "ssl.enabled.protocols": "TLSv1.3,TLSv1.2",
    }
