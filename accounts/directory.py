"""Signing in with a directory account (OpenLDAP or Active Directory), through ldap3.

ldap3 is pure Python; django-auth-ldap would need python-ldap, which compiles against
the OpenLDAP C headers and so breaks `make setup` on a bare machine.

The sign-in form's name and password go to the directory: the backend finds the
entry (after a bind as the service account, or directly by a DN template), proves the
password by binding as that entry, then signs in the person on this site whose
employee number the entry carries. An entry with no matching person is refused
unless LDAP_CREATE_UNKNOWN_IN_DEPARTMENT names a department to create them in. When
the directory cannot be reached the person is told so and local accounts (the site
administrator's) still sign in through the model backend before this one.
"""

from __future__ import annotations

import dataclasses
import logging
import ssl
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import BaseBackend
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ldap3 import NONE, Connection, Server, Tls
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import escape_rdn

from accounts import sso
from learning.organisation.models import Department
from learning.organisation.rules import normalised
from learning.people.services import person_create

logger = logging.getLogger("accounts.directory")


class DirectoryUnavailable(Exception):
    """The directory did not answer, or refused the service account."""


@dataclasses.dataclass(frozen=True)
class DirectoryEntry:
    dn: str
    attributes: dict[str, list[Any]]

    def first(self, name: str) -> str:
        for key, values in self.attributes.items():
            if key.lower() == name.lower():
                if isinstance(values, list | tuple):
                    return str(values[0]) if values else ""
                return str(values)
        return ""


def _servers() -> list[Server]:
    """Every URI in LDAP_SERVER_URI (space or comma separated), in order."""
    timeout = settings.LDAP_TIMEOUT
    tls = None
    uris = settings.LDAP_SERVER_URI.replace(",", " ").split()
    if settings.LDAP_START_TLS or any(uri.startswith("ldaps:") for uri in uris):
        tls = Tls(
            validate=ssl.CERT_REQUIRED,
            ca_certs_file=settings.LDAP_CA_CERT_FILE or None,
        )
    return [
        Server(uri, connect_timeout=timeout, get_info=NONE, tls=tls) for uri in uris
    ]


def _connection(user: str | None, password: str | None) -> Connection:
    """An open connection to the first server that answers (each tried once, so a
    dead one costs at most LDAP_TIMEOUT)."""
    error: Exception | None = None
    for server in _servers():
        connection = Connection(
            server,
            user=user,
            password=password,
            receive_timeout=settings.LDAP_TIMEOUT,
            raise_exceptions=False,
            read_only=True,
            # Active Directory answers searches from the domain root with referrals
            # to other partitions; following them can hang on unreachable DCs.
            auto_referrals=False,
        )
        try:
            connection.open()
        except (LDAPException, OSError) as failure:
            logger.warning("directory server %s unreachable: %s", server, failure)
            error = failure
            continue
        # Never send a password in clear when TLS was asked for and did not start.
        if settings.LDAP_START_TLS and not connection.start_tls():
            raise DirectoryUnavailable(f"StartTLS refused: {connection.result}")
        return connection
    raise DirectoryUnavailable(str(error or "no LDAP_SERVER_URI"))


def _bind(user: str | None, password: str | None) -> Connection | None:
    """A bound connection, or None when the directory refused these credentials.
    Raises DirectoryUnavailable when it could not be asked."""
    try:
        connection = _connection(user, password)
        if connection.bind():
            return connection
    except (LDAPException, OSError) as error:
        logger.warning("directory unreachable: %s", error)
        raise DirectoryUnavailable(str(error)) from error
    result = connection.result or {}
    connection.unbind()
    if result.get("result") == 49:  # invalidCredentials
        return None
    logger.warning("directory bind failed: %s", result)
    raise DirectoryUnavailable(str(result))


def _attributes() -> list[str]:
    names = [
        settings.LDAP_EMPLOYEE_NUMBER_ATTRIBUTE,
        settings.LDAP_FULL_NAME_ATTRIBUTE,
        settings.LDAP_EMAIL_ATTRIBUTE,
        "cn",
    ]
    return [name for name in dict.fromkeys(names) if name]


def _search(connection: Connection, username: str) -> list[DirectoryEntry]:
    search_filter = settings.LDAP_USER_FILTER % {"user": escape_filter_chars(username)}
    try:
        connection.search(
            settings.LDAP_USER_SEARCH_BASE,
            search_filter,
            attributes=_attributes(),
            size_limit=2,
            time_limit=settings.LDAP_TIMEOUT,
        )
    except LDAPException as error:
        logger.warning("directory search failed: %s", error)
        raise DirectoryUnavailable(str(error)) from error
    code = (connection.result or {}).get("result", 0)
    if code not in (0, 4):  # success, sizeLimitExceeded (two found: refused below)
        # e.g. noSuchObject: LDAP_USER_SEARCH_BASE is wrong; the person only sees
        # that the sign-in failed, so the administrator must read it here.
        logger.error(
            "directory search in %s failed: %s",
            settings.LDAP_USER_SEARCH_BASE,
            connection.result,
        )
    return [
        DirectoryEntry(dn=entry["dn"], attributes=dict(entry["attributes"]))
        for entry in connection.response or []
        if entry.get("type") == "searchResEntry"
    ]


def directory_entry_verify(username: str, password: str) -> DirectoryEntry | None:
    """The directory entry for this sign-in name if the password is right, else
    None. Raises DirectoryUnavailable when the directory cannot answer."""
    if not username or not password:
        # An empty password would be an "unauthenticated bind", which succeeds.
        return None
    if settings.LDAP_USER_DN_TEMPLATE:
        # Direct bind: the name gives the DN; the person reads their own entry.
        dn = settings.LDAP_USER_DN_TEMPLATE % {"user": escape_rdn(username)}
        connection = _bind(dn, password)
        if connection is None:
            return None
        try:
            entries = _search(connection, username)
        finally:
            connection.unbind()
        if len(entries) != 1:
            logger.warning("directory: %s bound but its entry was not found", dn)
            return None
        return entries[0]
    service = _bind(settings.LDAP_BIND_DN or None, settings.LDAP_BIND_PASSWORD or None)
    if service is None:
        logger.error("directory refused the service account %s", settings.LDAP_BIND_DN)
        raise DirectoryUnavailable("service account refused")
    try:
        entries = _search(service, username)
    finally:
        service.unbind()
    if len(entries) != 1:
        # None found, or a filter that is not unique: never guess between two.
        if entries:
            logger.warning("directory: %d entries match %r", len(entries), username)
        return None
    user_connection = _bind(entries[0].dn, password)
    if user_connection is None:
        return None
    user_connection.unbind()
    return entries[0]


def _person_create_from(entry: DirectoryEntry, number: str) -> Any:
    """A person for a directory account the roster does not have yet, in the
    department LDAP_CREATE_UNKNOWN_IN_DEPARTMENT names."""
    code = settings.LDAP_CREATE_UNKNOWN_IN_DEPARTMENT
    department = Department.objects.filter(code=code, is_active=True).first()
    if department is None:
        logger.error("LDAP_CREATE_UNKNOWN_IN_DEPARTMENT: no active department %r", code)
        raise sso.SignInRefused(
            _(
                "Your directory account has no matching person on this site and "
                "the department new directory accounts join does not exist. Tell "
                "the site administrator."
            )
        )
    full_name = (
        entry.first(settings.LDAP_FULL_NAME_ATTRIBUTE) or entry.first("cn") or number
    )
    try:
        profile = person_create(
            actor=None,
            employee_number=number,
            full_name=full_name,
            department=department,
            email=entry.first(settings.LDAP_EMAIL_ATTRIBUTE),
        )
    except ValidationError as error:
        logger.warning("directory account %s not created: %s", entry.dn, error)
        raise sso.SignInRefused(
            _(
                "Your directory account could not be added to this site "
                "(%(reason)s). Ask your HR officer to add you to the staff roster."
            )
            % {"reason": " ".join(error.messages)}
        ) from error
    logger.info("directory account %s created person %s", entry.dn, number)
    return profile.user


class DirectoryBackend(BaseBackend):
    """Authentication backend for LDAP / Active Directory accounts."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if not sso.ldap_enabled() or username is None or password is None:
            return None
        name = normalised(username)
        try:
            entry = directory_entry_verify(name, password)
        except DirectoryUnavailable:
            sso.refuse(
                request,
                _(
                    "The staff directory cannot be reached just now, so directory "
                    "accounts cannot sign in. Try again in a few minutes; if it "
                    "persists, tell the site administrator."
                ),
            )
            return None
        if entry is None:
            return None
        try:
            number = sso.employee_number_from(
                entry.first(settings.LDAP_EMPLOYEE_NUMBER_ATTRIBUTE),
                source=_("staff directory"),
            )
            try:
                source = _("staff directory")
                return sso.account_for_employee_number(number, source=source)
            except sso.SignInRefused as refusal:
                if (
                    refusal.code != sso.UNKNOWN_PERSON
                    or not settings.LDAP_CREATE_UNKNOWN_IN_DEPARTMENT
                ):
                    raise
                return _person_create_from(entry, number)
        except sso.SignInRefused as refusal:
            sso.refuse(request, refusal.message)
            return None

    def get_user(self, user_id: int) -> Any:
        user = sso.User.objects.filter(pk=user_id).first()
        return user if user is not None and user.is_active else None
