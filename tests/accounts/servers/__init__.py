"""Real servers for the sign-in tests, started by the tests themselves on
127.0.0.1: a private OpenLDAP (Debian's slapd), an OpenID Connect provider (Authlib's
JOSE for the keys and tokens) and a CAS 2.0/3.0 server."""
