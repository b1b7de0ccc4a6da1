"""HTTPS for `convergent serve --tls`: a local certificate authority and a server certificate
for localhost, made once and kept.

The CA (`ca.pem`, ten years) is what clients trust (`SSL_CERT_FILE`, `NODE_EXTRA_CA_CERTS`,
`REQUESTS_CA_BUNDLE`); the server certificate (`server.pem`, `server-key.pem`, one year)
names localhost, 127.0.0.1, ::1 and the address served when it is a specific one. It is made
again, signed by the same CA, when it expires within 30 days or does not name that address,
so a trust set up once keeps working. Everything lives in `$XDG_DATA_HOME/convergent/tls`
(by default `~/.local/share/convergent/tls`), keys readable by their owner only.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import pathlib
from dataclasses import dataclass

__all__ = ["Certificates", "default_directory", "ensure_certificates", "trust_hints"]

_RENEW_BEFORE = datetime.timedelta(days=30)


@dataclass(frozen=True)
class Certificates:
    certfile: str
    keyfile: str
    cafile: str | None  # None for certificates brought with --certfile/--keyfile


def default_directory() -> pathlib.Path:
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return pathlib.Path(base) / "convergent" / "tls"


def _names(host: str) -> list[str]:
    names = ["localhost", "127.0.0.1", "::1"]
    if host not in names and host not in ("0.0.0.0", "::", ""):
        names.append(host)
    return names


def ensure_certificates(host: str = "127.0.0.1", directory: pathlib.Path | None = None) -> Certificates:
    """The CA and a server certificate valid now for `host`, made where missing or stale."""
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization
    except ImportError:  # pragma: no cover - a core dependency
        raise RuntimeError("--tls needs the cryptography package (pip install cryptography)") from None
    directory = directory or default_directory()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    ca_cert, ca_key = directory / "ca.pem", directory / "ca-key.pem"
    cert, key = directory / "server.pem", directory / "server-key.pem"
    if not (ca_cert.exists() and ca_key.exists()):
        _write_authority(ca_cert, ca_key)
    authority = x509.load_pem_x509_certificate(ca_cert.read_bytes())
    authority_key = serialization.load_pem_private_key(ca_key.read_bytes(), password=None)
    names = _names(host)
    if not (cert.exists() and key.exists()) or _stale(
        x509.load_pem_x509_certificate(cert.read_bytes()), names
    ):
        _write_server(cert, key, authority, authority_key, names)
    return Certificates(str(cert), str(key), str(ca_cert))


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _stale(cert, names: list[str]) -> bool:
    from cryptography import x509

    if cert.not_valid_after_utc - _now() < _RENEW_BEFORE:
        return True
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return True
    have = {str(n) for n in san.get_values_for_type(x509.DNSName)}
    have |= {str(n) for n in san.get_values_for_type(x509.IPAddress)}
    return not set(names) <= have


def _save(path: pathlib.Path, data: bytes, private: bool) -> None:
    path.write_bytes(data)
    if private:
        path.chmod(0o600)


def _write_authority(cert_path: pathlib.Path, key_path: pathlib.Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, f"convergent local CA ({os.uname().nodename})")]
    )
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=3650))
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
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _save(
        key_path,
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        private=True,
    )
    _save(cert_path, cert.public_bytes(serialization.Encoding.PEM), private=False)


def _write_server(cert_path, key_path, authority, authority_key, names: list[str]) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    sans: list[x509.GeneralName] = []
    for name in names:
        try:
            sans.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            sans.append(x509.DNSName(name))
    key = ec.generate_private_key(ec.SECP256R1())
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(authority.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(authority_key.public_key()), critical=False
        )
        .sign(authority_key, hashes.SHA256())
    )
    _save(
        key_path,
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        private=True,
    )
    _save(cert_path, cert.public_bytes(serialization.Encoding.PEM), private=False)


def trust_hints(cafile: str) -> str:
    """How clients trust the local CA."""
    return (
        f"Trust its certificate authority {cafile}:\n"
        f"  export SSL_CERT_FILE={cafile}         # Python ssl, httpx, Go, OpenSSL (curl: --cacert)\n"
        f"  export REQUESTS_CA_BUNDLE={cafile}    # python-ovh (requests)\n"
        f"  export NODE_EXTRA_CA_CERTS={cafile}   # Node: @ovhcloud/node-ovh"
    )
