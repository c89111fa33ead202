"""Check the shipped competency frameworks and the demo question bank.

Run: python assessments/data/check_data.py   (stdlib only; exits 1 on the first problem)
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent
FRAMEWORK_FILES = ("digcomp22.json", "egov.json")
QUESTION_FILE = "demo_questions.json"

TEXT = ("name", "name_zh", "description", "description_zh")
FRAMEWORK_KEYS = {
    "code",
    "name",
    "name_zh",
    "version",
    "source",
    "licence",
    "attribution",
    "attribution_zh",
    "scale",
    "competencies",
}
SCALE_KEYS = {"code", "name", "name_zh", "proficient_level", "levels"}
LEVEL_KEYS = {"value", *TEXT}
COMPETENCY_KEYS = {"code", "parent", "validity_months", *TEXT}
QUESTION_TEXT = ("text", "text_zh", "explanation", "explanation_zh")
QUESTION_KEYS = {"code", "category", "competency", "level", "type", *QUESTION_TEXT}
TYPE_KEYS = {
    "single": "options",
    "multiple": "options",
    "truefalse": "options",
    "short": "accepted",
    "numeric": "numeric",
}
CATEGORIES = {
    "egov-service",
    "service-admin",
    "security",
    "data-literacy",
    "digital-basics",
}
TRUEFALSE = [("True", "正确"), ("False", "错误")]

# DigComp 2.2: five areas and their competence numbers, as the framework defines them.
DIGCOMP_STRUCTURE = {
    "1": ["1.1", "1.2", "1.3"],
    "2": ["2.1", "2.2", "2.3", "2.4", "2.5", "2.6"],
    "3": ["3.1", "3.2", "3.3", "3.4"],
    "4": ["4.1", "4.2", "4.3", "4.4"],
    "5": ["5.1", "5.2", "5.3", "5.4"],
}
EG_AREAS = ["EG-1", "EG-2", "EG-3", "EG-4"]

MIN_QUESTIONS = 130
MIN_DIGCOMP_QUESTIONS = 40
MIN_EG_QUESTIONS = 80
MIN_PER_EG_AREA = 20
MIN_SHORT = 10
MIN_NUMERIC = 6


class DataError(Exception):
    """A data file breaks one of the rules checked here."""


def require(condition: object, message: str) -> None:
    # Not `assert`: the checks must still run under `python -O`.
    if not condition:
        raise DataError(message)


def load(name: str):
    with open(DATA_DIR / name, encoding="utf-8") as fh:
        return json.load(fh)


def is_text(value: object) -> bool:
    return isinstance(value, str) and value.strip() != ""


def has_cjk(value: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in value)


def key_diff(obj: dict, expected: set[str]) -> list[str]:
    return sorted(set(obj) ^ expected)


def check_framework(fw: dict) -> dict[str, tuple[int, int]]:
    """Check one framework file; return {competency code: (lowest, highest level)}."""
    code = fw.get("code")
    require(set(fw) == FRAMEWORK_KEYS, f"{code}: keys {key_diff(fw, FRAMEWORK_KEYS)}")
    for key in FRAMEWORK_KEYS - {"scale", "competencies"}:
        require(is_text(fw[key]), f"{code}: empty {key}")
    require(fw["licence"] == "CC BY 4.0", f"{code}: licence")

    scale = fw["scale"]
    require(
        set(scale) == SCALE_KEYS, f"{code}: scale keys {key_diff(scale, SCALE_KEYS)}"
    )
    values = [lv.get("value") for lv in scale["levels"]]
    require(values == list(range(1, len(values) + 1)), f"{code}: levels not 1..n")
    for lv in scale["levels"]:
        where = f"{code} level {lv['value']}"
        require(set(lv) == LEVEL_KEYS, f"{where}: keys {key_diff(lv, LEVEL_KEYS)}")
        for key in TEXT:
            require(is_text(lv[key]), f"{where}: empty {key}")
        require(has_cjk(lv["name_zh"] + lv["description_zh"]), f"{where}: no Chinese")
    require(scale["proficient_level"] in values, f"{code}: proficient_level")
    bounds = (min(values), max(values))

    seen: list[str] = []
    for comp in fw["competencies"]:
        ccode = comp.get("code")
        require(
            set(comp) == COMPETENCY_KEYS,
            f"{ccode}: keys {key_diff(comp, COMPETENCY_KEYS)}",
        )
        require(is_text(ccode), "competency without code")
        require(ccode not in seen, f"duplicate competency code {ccode}")
        parent = comp["parent"]
        require(
            parent is None or parent in seen,
            f"{ccode}: parent {parent} missing or listed after its child",
        )
        for key in TEXT:
            require(is_text(comp[key]), f"{ccode}: empty {key}")
        require(
            has_cjk(comp["name_zh"] + comp["description_zh"]), f"{ccode}: no Chinese"
        )
        months = comp["validity_months"]
        require(
            months is None or (type(months) is int and months > 0),
            f"{ccode}: validity_months must be null or a positive integer",
        )
        seen.append(ccode)
    return {c: bounds for c in seen}


def check_digcomp(fw: dict) -> None:
    scale = fw["scale"]
    require(fw["code"] == "DC22" and fw["version"] == "2.2", "DigComp code/version")
    require(scale["code"] == "DC22-8" and len(scale["levels"]) == 8, "DigComp scale")
    require(scale["proficient_level"] == 4, "DigComp proficient_level")
    require(
        "© European Union" in fw["attribution"] and "unofficial" in fw["attribution"],
        "DigComp attribution must credit the EU and mark translations as unofficial",
    )
    comps = fw["competencies"]
    areas = [c["code"] for c in comps if c["parent"] is None]
    require(areas == [f"DC22-{a}" for a in DIGCOMP_STRUCTURE], f"DigComp areas {areas}")
    leaves = [c for c in comps if c["parent"] is not None]
    require(len(leaves) == 21, f"DigComp has {len(leaves)} competences, expected 21")
    for area, numbers in DIGCOMP_STRUCTURE.items():
        children = [c["code"] for c in leaves if c["parent"] == f"DC22-{area}"]
        expected = [f"DC22-{n}" for n in numbers]
        require(children == expected, f"DigComp area {area}: {children}")
    for comp in comps:
        expected = 12 if comp["parent"] == "DC22-4" else None
        require(comp["validity_months"] == expected, f"{comp['code']}: validity_months")


def check_egov(fw: dict) -> None:
    scale = fw["scale"]
    require(fw["code"] == "CSEG", "e-government framework code")
    require(scale["code"] == "CSEG-4" and len(scale["levels"]) == 4, "CSEG scale")
    require(scale["proficient_level"] == 3, "CSEG proficient_level")
    comps = fw["competencies"]
    areas = [c["code"] for c in comps if c["parent"] is None]
    require(areas == EG_AREAS, f"EG areas {areas}")
    for area in areas:
        children = [c["code"] for c in comps if c["parent"] == area]
        require(3 <= len(children) <= 5, f"{area}: {len(children)} competences")
        expected = [f"{area}.{i}" for i in range(1, len(children) + 1)]
        require(children == expected, f"{area}: numbering {children}")
    for comp in comps:
        expected = 12 if comp["parent"] == "EG-4" else None
        require(comp["validity_months"] == expected, f"{comp['code']}: validity_months")


def check_options(q: dict) -> None:
    code, qtype, options = q["code"], q["type"], q["options"]
    require(isinstance(options, list), f"{code}: options must be a list")
    for opt in options:
        require(set(opt) == {"text", "text_zh", "correct"}, f"{code}: option keys")
        require(
            is_text(opt["text"]) and is_text(opt["text_zh"]), f"{code}: option text"
        )
        require(type(opt["correct"]) is bool, f"{code}: option 'correct' must be bool")
    texts = [o["text"] for o in options]
    require(len(set(texts)) == len(texts), f"{code}: duplicate option text")
    n_right = sum(o["correct"] for o in options)
    if qtype == "single":
        require(3 <= len(options) <= 5, f"{code}: single needs 3-5 options")
        require(n_right == 1, f"{code}: single needs exactly 1 correct option")
    elif qtype == "multiple":
        require(4 <= len(options) <= 6, f"{code}: multiple needs 4-6 options")
        require(
            2 <= n_right < len(options),
            f"{code}: multiple needs >=2 correct, >=1 wrong",
        )
    else:
        pairs = [(o["text"], o["text_zh"]) for o in options]
        require(pairs == TRUEFALSE, f"{code}: truefalse options must be True/False")
        require(n_right == 1, f"{code}: truefalse needs exactly 1 correct option")


def check_short(q: dict) -> None:
    code, accepted = q["code"], q["accepted"]
    require(isinstance(accepted, list) and accepted, f"{code}: accepted must be a list")
    require(all(is_text(a) for a in accepted), f"{code}: empty accepted answer")
    folded = [a.casefold() for a in accepted]
    require(len(set(folded)) == len(folded), f"{code}: duplicate accepted answer")
    require(any(has_cjk(a) for a in accepted), f"{code}: no Chinese accepted answer")
    require(
        any(not has_cjk(a) for a in accepted), f"{code}: no English accepted answer"
    )


def check_numeric(q: dict) -> None:
    code, num = q["code"], q["numeric"]
    require(set(num) == {"value", "tolerance"}, f"{code}: numeric keys")
    for key in ("value", "tolerance"):
        require(
            type(num[key]) in (int, float), f"{code}: numeric {key} must be a number"
        )
    require(num["tolerance"] >= 0, f"{code}: negative tolerance")


def check_question(q: dict, levels: dict[str, tuple[int, int]]) -> None:
    code, qtype = q.get("code"), q.get("type")
    require(qtype in TYPE_KEYS, f"{code}: type {qtype!r}")
    expected = QUESTION_KEYS | {TYPE_KEYS[qtype]}
    require(set(q) == expected, f"{code}: keys {key_diff(q, expected)}")
    require(q["category"] in CATEGORIES, f"{code}: category {q['category']!r}")
    require(q["competency"] in levels, f"{code}: unknown competency {q['competency']}")
    low, high = levels[q["competency"]]
    level = q["level"]
    require(type(level) is int and low <= level <= high, f"{code}: level {level}")
    for key in QUESTION_TEXT:
        require(is_text(q[key]), f"{code}: empty {key}")
    require(has_cjk(q["text_zh"] + q["explanation_zh"]), f"{code}: no Chinese")
    if TYPE_KEYS[qtype] == "options":
        check_options(q)
    elif qtype == "short":
        check_short(q)
    else:
        check_numeric(q)


def check_counts(questions: list[dict]) -> Counter:
    by_type = Counter(q["type"] for q in questions)
    dc = [q for q in questions if q["competency"].startswith("DC22-")]
    eg = [q for q in questions if q["competency"].startswith("EG-")]
    by_eg_area = Counter(q["competency"].split(".")[0] for q in eg)
    require(len(questions) >= MIN_QUESTIONS, f"only {len(questions)} questions")
    require(len(dc) >= MIN_DIGCOMP_QUESTIONS, f"only {len(dc)} DigComp questions")
    require(len(eg) >= MIN_EG_QUESTIONS, f"only {len(eg)} EG questions")
    for area in EG_AREAS:
        require(
            by_eg_area[area] >= MIN_PER_EG_AREA, f"only {by_eg_area[area]} in {area}"
        )
    require(by_type["short"] >= MIN_SHORT, f"only {by_type['short']} short questions")
    require(by_type["numeric"] >= MIN_NUMERIC, f"only {by_type['numeric']} numeric")
    choice = by_type["single"] + by_type["multiple"] + by_type["truefalse"]
    require(choice * 2 > len(questions), "most questions must be choice/true-false")
    return by_type


def check_all() -> dict[str, object]:
    """Check the shipped frameworks and demo questions; raise DataError on the first
    problem, else return counts (tests/assessments/test_data_files.py runs this)."""
    frameworks = [load(name) for name in FRAMEWORK_FILES]
    levels: dict[str, tuple[int, int]] = {}
    for fw in frameworks:
        fw_levels = check_framework(fw)
        shared = set(fw_levels) & set(levels)
        require(not shared, f"competency codes in two frameworks: {sorted(shared)}")
        levels.update(fw_levels)
    check_digcomp(frameworks[0])
    check_egov(frameworks[1])

    questions = load(QUESTION_FILE)
    require(isinstance(questions, list), f"{QUESTION_FILE} must hold a list")
    dupes = [c for c, n in Counter(q.get("code") for q in questions).items() if n > 1]
    require(not dupes, f"duplicate question codes: {dupes}")
    for q in questions:
        check_question(q, levels)
    by_type = check_counts(questions)
    return {
        "competencies": {fw["code"]: len(fw["competencies"]) for fw in frameworks},
        "questions": len(questions),
        "by type": dict(sorted(by_type.items())),
        "by category": dict(sorted(Counter(q["category"] for q in questions).items())),
        "by area": dict(
            sorted(Counter(q["competency"].split(".")[0] for q in questions).items())
        ),
    }


if __name__ == "__main__":
    try:
        summary = check_all()
    except DataError as exc:
        sys.stderr.write(f"FAILED: {exc}\n")
        sys.exit(1)
    for key, value in summary.items():
        sys.stdout.write(f"{key}: {value}\n")
    sys.stdout.write("OK\n")
