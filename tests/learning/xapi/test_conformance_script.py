"""benchmarks/xapi_conformance.py, run against a live server with a credential made
in the back office's service, as a reader would run it: every requirement it lists
passes."""

import importlib.util
import sys
from pathlib import Path

import pytest

from learning.xapi.services import credential_create
from tests.factories import UserFactory, county_tree

SCRIPT = Path(__file__).resolve().parents[3] / "benchmarks" / "xapi_conformance.py"
_spec = importlib.util.spec_from_file_location("xapi_conformance", SCRIPT)
xapi_conformance = importlib.util.module_from_spec(_spec)
sys.modules["xapi_conformance"] = xapi_conformance  # its dataclasses look it up
_spec.loader.exec_module(xapi_conformance)

pytestmark = pytest.mark.django_db(transaction=True)


def test_every_listed_requirement_passes_against_a_live_server(live_server, capsys):
    admin = UserFactory(is_superuser=True, is_staff=True)
    credential, secret = credential_create(
        actor=admin, label="Conformance", department=county_tree().county
    )

    code = xapi_conformance.main(
        [
            "--endpoint",
            f"{live_server.url}/xapi/",
            "--key",
            credential.key,
            # Joined with "=": a secret may begin with "-", which argparse would
            # take for an option (seen once: "expected one argument").
            f"--secret={secret}",
        ]
    )

    report = capsys.readouterr().out
    assert "FAIL" not in report, report
    assert f"{len(xapi_conformance.CHECKS)} of {len(xapi_conformance.CHECKS)}" in report
    assert code == 0
    assert len(xapi_conformance.CHECKS) >= 45
