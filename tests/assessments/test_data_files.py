"""The shipped frameworks and demo questions pass their own checker (codes unique,
parents before children, levels inside each scale, option rules per type)."""

import importlib.util
from pathlib import Path

CHECKER = Path(__file__).resolve().parents[2] / "assessments" / "data" / "check_data.py"


def test_shipped_data_passes_the_checker():
    spec = importlib.util.spec_from_file_location("check_data", CHECKER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    summary = module.check_all()
    assert summary["competencies"] == {"DC22": 26, "CSEG": 22}
    assert summary["questions"] >= 120
