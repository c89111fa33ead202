"""A private OpenLDAP server for the directory tests: Debian's slapd with a generated
slapd.conf (mdb backend) in a temporary directory, loaded offline with slapadd and
listening on 127.0.0.1 at a free port. It never touches the system's slapd service.

The directory looks like a county's: people under ou=people with employeeNumber,
displayName (Chinese names), mail and an Active Directory style sAMAccountName, and a
read-only service account under ou=services."""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import datetime
import hashlib
import ipaddress
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

SUFFIX = "dc=county,dc=example"
ROOT_DN = f"cn=root,{SUFFIX}"
SERVICE_DN = f"cn=reader,ou=services,{SUFFIX}"
SERVICE_PASSWORD = "reader-secret-2026"  # noqa: S105
PEOPLE_BASE = f"ou=people,{SUFFIX}"
SCHEMA_DIR = Path("/etc/ldap/schema")
MODULE_DIR = Path("/usr/lib/ldap")

# sAMAccountName with Active Directory's own OID, on an auxiliary class, so that the
# AD-style filter is tried against a real server.
AD_SCHEMA = """\
attributetype ( 1.2.840.113556.1.4.221 NAME 'sAMAccountName'
  EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.15{256} SINGLE-VALUE )
objectclass ( 1.3.6.1.4.1.55555.1.1 NAME 'civicSkillsAdAccount'
  SUP top AUXILIARY MAY ( sAMAccountName ) )
"""


@dataclasses.dataclass(frozen=True)
class DirectoryPerson:
    uid: str
    employee_number: str
    display_name: str
    password: str
    sam_account_name: str = ""
    mail: str = ""

    @property
    def dn(self) -> str:
        return f"uid={self.uid},{PEOPLE_BASE}"


@dataclasses.dataclass
class RunningDirectory:
    uri: str
    port: int
    process: subprocess.Popen
    workdir: Path

    def stop(self) -> None:
        """Stop the server (the "directory is down" cases)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def slapd_path() -> str | None:
    for name in ("slapd", "/usr/sbin/slapd"):
        found = shutil.which(name)
        if found:
            return found
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ssha(password: str) -> str:
    """The {SSHA} form slapd stores and checks (salted SHA-1, RFC 2307 style)."""
    salt = os.urandom(8)
    digest = hashlib.sha1(password.encode() + salt).digest()  # noqa: S324
    return "{SSHA}" + base64.b64encode(digest + salt).decode()


def _attribute(name: str, value: str) -> str:
    """One LDIF line; values that are not plain ASCII go base64 (name:: …)."""
    if value.isascii() and not value.startswith((" ", ":", "<")):
        return f"{name}: {value}"
    return f"{name}:: {base64.b64encode(value.encode()).decode()}"


def ldif(people: list[DirectoryPerson]) -> str:
    entries = [
        [
            f"dn: {SUFFIX}",
            "objectClass: dcObject",
            "objectClass: organization",
            "dc: county",
            _attribute("o", "示范县人民政府"),
        ],
        [f"dn: {PEOPLE_BASE}", "objectClass: organizationalUnit", "ou: people"],
        [
            f"dn: ou=services,{SUFFIX}",
            "objectClass: organizationalUnit",
            "ou: services",
        ],
        [
            f"dn: {SERVICE_DN}",
            "objectClass: organizationalRole",
            "objectClass: simpleSecurityObject",
            "cn: reader",
            f"userPassword: {ssha(SERVICE_PASSWORD)}",
        ],
    ]
    for person in people:
        entry = [
            f"dn: {person.dn}",
            "objectClass: inetOrgPerson",
            "objectClass: civicSkillsAdAccount",
            f"uid: {person.uid}",
            _attribute("cn", person.display_name),
            _attribute("sn", person.display_name[:1]),
            _attribute("displayName", person.display_name),
            f"userPassword: {ssha(person.password)}",
        ]
        if person.employee_number:
            entry.append(_attribute("employeeNumber", person.employee_number))
        if person.sam_account_name:
            entry.append(f"sAMAccountName: {person.sam_account_name}")
        if person.mail:
            entry.append(f"mail: {person.mail}")
        entries.append(entry)
    return "\n\n".join("\n".join(entry) for entry in entries) + "\n"


def certificates(workdir: Path) -> Path:
    """A throw-away CA and a server certificate for 127.0.0.1 signed by it (for
    StartTLS); returns the CA's PEM file."""

    now = datetime.datetime.now(datetime.UTC)

    def name(common: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("County test CA"))
        .issuer_name(name("County test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())

    cert = (
        x509.CertificateBuilder()
        .subject_name(name("127.0.0.1"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                    x509.DNSName("localhost"),
                ]
            ),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    (workdir / "ca.pem").write_bytes(ca.public_bytes(pem))
    (workdir / "server.pem").write_bytes(cert.public_bytes(pem))
    (workdir / "server.key").write_bytes(
        key.private_bytes(
            pem,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return workdir / "ca.pem"


def slapd_conf(workdir: Path, tls: bool = False) -> str:
    tls_lines = (
        f"TLSCACertificateFile {workdir}/ca.pem\n"
        f"TLSCertificateFile {workdir}/server.pem\n"
        f"TLSCertificateKeyFile {workdir}/server.key\n"
        if tls
        else ""
    )
    return (
        tls_lines
        + f"""\
include {SCHEMA_DIR}/core.schema
include {SCHEMA_DIR}/cosine.schema
include {SCHEMA_DIR}/inetorgperson.schema
include {workdir}/ad.schema
modulepath {MODULE_DIR}
moduleload back_mdb
pidfile {workdir}/slapd.pid
argsfile {workdir}/slapd.args

# Passwords: bind only, never read. Entries: read by any signed-in account (the
# service account, or a person after a direct bind), never anonymously.
access to attrs=userPassword
  by anonymous auth
  by * none
access to *
  by users read
  by * none

database mdb
maxsize 16777216
suffix "{SUFFIX}"
rootdn "{ROOT_DN}"
rootpw {ssha("root-secret-2026")}
directory {workdir}/data
"""
    )


@contextlib.contextmanager
def running_directory(
    people: list[DirectoryPerson], workdir: Path, tls: bool = False
) -> Iterator[RunningDirectory]:
    """Start a private slapd with these people (and StartTLS with a certificate
    from a throw-away CA, `workdir / "ca.pem"`); stop it on exit."""
    slapd = slapd_path()
    if slapd is None:
        raise FileNotFoundError("slapd")
    slapadd = shutil.which("slapadd") or "/usr/sbin/slapadd"
    (workdir / "data").mkdir(parents=True)
    (workdir / "ad.schema").write_text(AD_SCHEMA)
    if tls:
        certificates(workdir)
    conf = workdir / "slapd.conf"
    conf.write_text(slapd_conf(workdir, tls=tls))
    (workdir / "directory.ldif").write_text(ldif(people), encoding="utf-8")
    subprocess.run(
        [slapadd, "-q", "-f", str(conf), "-l", str(workdir / "directory.ldif")],
        check=True,
        capture_output=True,
    )
    log = (workdir / "slapd.log").open("wb")
    try:
        server = _listening_slapd(slapd, conf, workdir, log)
        try:
            yield server
        finally:
            server.stop()
    finally:
        log.close()


def _listening_slapd(slapd: str, conf: Path, workdir: Path, log) -> RunningDirectory:
    """slapd on a free port, listening. Another process may take the port between
    choosing and binding it (parallel test workers): then try another."""
    for _attempt in range(5):
        port = free_port()
        uri = f"ldap://127.0.0.1:{port}"
        # -d 0: stay in the foreground (so the test owns the process), log nothing.
        process = subprocess.Popen(
            [slapd, "-f", str(conf), "-h", uri + "/", "-d", "0"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        server = RunningDirectory(uri=uri, port=port, process=process, workdir=workdir)
        deadline = time.monotonic() + 15
        while process.poll() is None and time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", port), timeout=0.5),
            ):
                # Listening, and it is this slapd (one that lost the port exits).
                time.sleep(0.1)
                if process.poll() is None:
                    return server
            time.sleep(0.05)
        server.stop()
    raise RuntimeError(
        "slapd did not start listening: "
        + (workdir / "slapd.log").read_text(errors="replace")[-2000:]
    )
