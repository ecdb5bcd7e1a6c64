"""Certificates for the HTTPS listener: a local CA made once under the data dir, reused after.

simple-salesforce forces ``https://``, so the mock serves TLS. The server certificate names
``127.0.0.1``, ``::1``, ``localhost`` and the Salesforce login hosts (for tools whose login host
is hard-coded and redirected to the mock).
"""
from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

import trustme

HOSTNAMES = ("127.0.0.1", "::1", "localhost", "login.salesforce.com", "test.salesforce.com",
             "*.my.salesforce.com", "*.sandbox.my.salesforce.com")


@dataclass
class TlsFiles:
    """Paths of the CA certificate and the server's certificate chain and key."""

    ca_path: Path
    cert_path: Path
    key_path: Path
    created: bool = False

    def context(self) -> ssl.SSLContext:
        """A server-side SSL context for these files."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(self.cert_path), str(self.key_path))
        return context


def ensure_certificates(data_dir: Path) -> TlsFiles:
    """The local CA and server certificate under ``data_dir/tls``, created on first use."""
    folder = Path(data_dir) / "tls"
    files = TlsFiles(folder / "ca.pem", folder / "server.pem", folder / "server-key.pem")
    if files.ca_path.exists() and files.cert_path.exists() and files.key_path.exists():
        return files
    folder.mkdir(parents=True, exist_ok=True)
    ca_key = folder / "ca-key.pem"
    if files.ca_path.exists() and ca_key.exists():
        ca = trustme.CA.from_pem(files.ca_path.read_bytes(), ca_key.read_bytes())
    else:
        ca = trustme.CA(organization_name="mock-salesforce local CA")
        files.ca_path.write_bytes(ca.cert_pem.bytes())
        ca_key.write_bytes(ca.private_key_pem.bytes())
        ca_key.chmod(0o600)
    leaf = ca.issue_cert(*HOSTNAMES, common_name="mock-salesforce")
    files.cert_path.write_bytes(b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
    files.key_path.write_bytes(leaf.private_key_pem.bytes())
    files.key_path.chmod(0o600)
    files.created = True
    return files


def bundle_with_system_cas(ca_path: Path, target: Path) -> Path:
    """A CA bundle of the system's CAs plus the mock's CA (for ``REQUESTS_CA_BUNDLE``)."""
    system = Path(ssl.get_default_verify_paths().cafile or "/etc/ssl/certs/ca-certificates.crt")
    parts = [system.read_bytes()] if system.exists() else []
    target.write_bytes(b"\n".join(parts + [Path(ca_path).read_bytes()]))
    return target
