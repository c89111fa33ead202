"""How people prove who they are: first sign-in codes, password rules and reset,
directory (LDAP/AD) and single sign-on (OIDC, CAS), two-factor for the back office.
The roster (learning) decides who exists; this app only signs them in."""
