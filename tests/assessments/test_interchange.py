"""Frameworks in and out as Moodle competency CSV and IMS CASE JSON."""

import csv
import datetime
import io
import json

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import translation

from assessments.interchange import (
    FORMAT_CASE_JSON,
    FORMAT_MOODLE_CSV,
    MOODLE_COLUMNS,
    FrameworkImportError,
    framework_data_from_db,
    framework_export,
    framework_import,
)
from assessments.models import Competency, Framework, ProficiencyScale, ScaleLevel
from assessments.services.frameworks import framework_load_defaults
from tests.assessments.factories import ProficiencyScaleFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 1, 9, 30, tzinfo=datetime.UTC)
SCALE_CONFIG = (
    '[{"scaleid":"0"},{"id":1,"scaledefault":1,"proficient":0},'
    '{"id":2,"scaledefault":0,"proficient":1},{"id":3,"scaledefault":0,"proficient":1}]'
)


@pytest.fixture(autouse=True)
def _english():
    """Messages are checked in English (the site default is zh-hans)."""
    with translation.override("en"):
        yield


def _counts():
    return (
        Framework.objects.count(),
        Competency.objects.count(),
        ProficiencyScale.objects.count(),
        ScaleLevel.objects.count(),
    )


def _wipe():
    Competency.objects.all().delete()
    Framework.objects.all().delete()
    ProficiencyScale.objects.all().delete()


def _csv(*rows: dict, header=MOODLE_COLUMNS, encoding="utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(name, "") for name in header])
    return out.getvalue().encode(encoding)


FRAMEWORK_ROW = {
    "ID number": "T1",
    "Short name": "Test framework",
    "Description": "Made for tests",
    "Scale values": "Low,Middle,High",
    "Scale configuration": SCALE_CONFIG,
    "Is framework": "1",
}


def _item(code, parent="", name=None, **extra):
    return {
        "Parent ID number": parent,
        "ID number": code,
        "Short name": name or f"Competency {code}",
        "Is framework": "0",
        **extra,
    }


def _case(items, associations, doc_id="doc-1"):
    return json.dumps(
        {
            "CFDocument": {"identifier": doc_id, "title": "Imported framework"},
            "CFItems": items,
            "CFAssociations": associations,
        }
    ).encode()


def _child_of(assoc_id, child, parent):
    return {
        "identifier": assoc_id,
        "associationType": "isChildOf",
        "originNodeURI": {"identifier": child},
        "destinationNodeURI": {"identifier": parent},
    }


def _refused(content, *fragments, filename=""):
    """Import must fail with every fragment in one message, and write nothing."""
    before = _counts()
    with pytest.raises(FrameworkImportError) as caught:
        framework_import(content=content, filename=filename)
    assert _counts() == before
    text = "\n".join(caught.value.messages)
    for fragment in fragments:
        assert fragment in text, text
    return caught.value.messages


# Round trips ------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["DC22", "CSEG"])
@pytest.mark.parametrize("fmt", [FORMAT_MOODLE_CSV, FORMAT_CASE_JSON])
def test_export_import_export_gives_the_same_framework(code, fmt):
    framework_load_defaults()
    original = Framework.objects.get(code=code)
    tree = framework_data_from_db(framework=original)
    with time_machine.travel(NOW, tick=False):
        exported = framework_export(framework=original, fmt=fmt)
    _wipe()

    imported = framework_import(content=exported)

    assert imported.code == code
    again = framework_data_from_db(framework=imported)
    # Database ids are this server's own (Moodle's "Exported ID").
    for item in [*again.items, *tree.items]:
        item.export_id = ""
    assert again == tree
    with time_machine.travel(NOW, tick=False):
        second = framework_export(framework=imported, fmt=fmt)
    if fmt == FORMAT_MOODLE_CSV:
        second, exported = _without_ids(second), _without_ids(exported)
    assert second == exported


def _without_ids(content: bytes) -> list[list[str]]:
    """The Moodle CSV's cells without the two that hold this server's ids (the
    Exported ID column and the scale id in the Scale configuration)."""
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    for row in rows[1:]:
        row[11] = ""
        if row[12] == "1":
            config = json.loads(row[6])
            config[0]["scaleid"] = ""
            row[6] = json.dumps(config)
    return rows


def test_round_trip_keeps_chinese_scale_expiry_and_attribution():
    framework_load_defaults()
    content = framework_export(
        framework=Framework.objects.get(code="CSEG"), fmt=FORMAT_MOODLE_CSV
    )
    _wipe()

    framework = framework_import(content=content)

    assert framework.name_zh == "CivicSkills 数字政务能力框架"
    assert "CC BY 4.0" in framework.attribution
    assert framework.attribution_zh.startswith("CivicSkills 数字政务能力框架")
    assert framework.scale.code == "CSEG-4"
    assert framework.scale.proficient_level == 3
    assert framework.scale.levels.get(value=2).name_zh == "会用"
    assert framework.scale.levels.get(value=4).description.startswith("Handles")
    security = Competency.objects.get(code="EG-4.1")
    assert security.validity_months == 12
    assert security.get_parent().code == "EG-4"
    assert security.name_zh


def test_moodle_csv_has_moodle_columns_framework_row_first_and_multilang_text():
    framework_load_defaults()
    content = framework_export(
        framework=Framework.objects.get(code="DC22"), fmt=FORMAT_MOODLE_CSV
    )

    assert content.startswith(b"\xef\xbb\xbf")  # Excel needs the BOM for Chinese.
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    header = next(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert header == list(MOODLE_COLUMNS)
    framework_row = rows[0]
    assert framework_row["Is framework"] == "1"
    assert framework_row["ID number"] == "DC22"
    assert framework_row["Taxonomy"] == "domain,competency"
    assert framework_row["Scale values"].count('class="multilang"') == 16
    config = json.loads(framework_row["Scale configuration"])
    assert config[0]["scaleid"] == str(Framework.objects.get(code="DC22").scale_id)
    # As Moodle's scale dialogue writes it: only the default and proficient levels.
    assert config[1] == {"id": 1, "scaledefault": 1, "proficient": 0}
    assert config[2] == {"id": 4, "scaledefault": 0, "proficient": 1}
    assert config[6] == {"id": 8, "scaledefault": 0, "proficient": 1}
    assert len(config) == 7
    assert len(rows) == 1 + 26
    seen = {"DC22"}
    for row in rows[1:]:
        assert row["Is framework"] == ""  # PHP writes false as an empty cell
        assert row["Parent ID number"] in seen | {""}
        seen.add(row["ID number"])
    privacy = next(r for r in rows if r["ID number"] == "DC22-4.2")
    assert privacy["Parent ID number"] == "DC22-4"
    assert privacy["Short name"].startswith(
        '<span lang="en" class="multilang">Protecting personal data and privacy</span>'
        '<span lang="zh-cn" class="multilang">'
    )
    assert privacy["Description format"] == "1"


def test_case_json_uses_stable_uuid5_identifiers_and_is_child_of():
    framework_load_defaults()
    framework = Framework.objects.get(code="DC22")
    first = json.loads(framework_export(framework=framework, fmt=FORMAT_CASE_JSON))
    again = json.loads(framework_export(framework=framework, fmt=FORMAT_CASE_JSON))

    document = first["CFDocument"]
    assert document["identifier"] == again["CFDocument"]["identifier"]
    assert document["title"] == "DigComp 2.2"
    assert document["licenseURI"]["uri"].startswith("https://creativecommons.org/")
    items = {item["humanCodingScheme"]: item for item in first["CFItems"]}
    assert len(items) == 26
    assert items["DC22-4"]["CFItemType"] == "Domain"  # Moodle's taxonomy term
    assert items["DC22-4.2"]["CFItemType"] == "Competency"
    assert items["DC22-4.2"]["fullStatement"] == "Protecting personal data and privacy"
    assert items["DC22-4.2"]["extensions"]["civicskills"]["fullStatement_zh"]
    parent_of = {
        a["originNodeURI"]["identifier"]: a["destinationNodeURI"]["identifier"]
        for a in first["CFAssociations"]
        if a["associationType"] == "isChildOf"
    }
    assert parent_of[items["DC22-4.2"]["identifier"]] == items["DC22-4"]["identifier"]
    assert parent_of[items["DC22-4"]["identifier"]] == document["identifier"]


# Files from other systems ----------------------------------------------------------


def test_a_plain_moodle_csv_without_our_extension_imports():
    content = _csv(
        _item("T1-A.1", parent="T1-A", name="Child listed before its parent"),
        FRAMEWORK_ROW,
        _item(
            "T1-A",
            name="Area A",
            **{"Description": "<p>Plain &amp; simple</p>"},
            **{"Description format": "1"},
        ),
        _item("T1-B", parent="T1", name="Area B, parent named as the framework"),
    )

    framework = framework_import(content=content, filename="moodle.csv")

    assert framework.code == "T1"
    assert framework.description == "Made for tests"
    assert framework.attribution == ""
    assert framework.scale.code == "T1"
    assert framework.scale.proficient_level == 2
    assert list(framework.scale.levels.values_list("name", flat=True)) == [
        "Low",
        "Middle",
        "High",
    ]
    area = Competency.objects.get(code="T1-A")
    assert area.description == "<p>Plain &amp; simple</p>"  # HTML stays HTML
    assert area.description_format == 1
    assert [c.code for c in area.get_children()] == ["T1-A.1"]
    assert Competency.objects.get(code="T1-B").is_root()


def test_a_case_file_without_our_extension_gets_the_generic_scale():
    content = _case(
        [
            {"identifier": "i-1", "fullStatement": "Area", "humanCodingScheme": "X-1"},
            {
                "identifier": "i-2",
                "fullStatement": "Skill",
                "humanCodingScheme": "X-1.1",
            },
        ],
        [_child_of("a-1", "i-1", "doc-1"), _child_of("a-2", "i-2", "i-1")],
    )

    framework = framework_import(content=content)

    assert framework.code == "IMPORTED-FRAMEWORK"
    assert framework.scale.code == "GENERIC-4"
    assert Competency.objects.get(code="X-1.1").get_parent().code == "X-1"


def test_an_existing_scale_with_the_same_levels_is_reused_not_duplicated():
    framework_import(content=_csv(FRAMEWORK_ROW, _item("T1-A")))
    second = dict(FRAMEWORK_ROW, **{"ID number": "T2"})

    framework = framework_import(content=_csv(second, _item("T2-A")))

    assert framework.scale.code == "T1"
    assert ProficiencyScale.objects.count() == 1


def test_a_scale_code_taken_by_different_levels_gets_the_next_free_code():
    ProficiencyScaleFactory(code="T1", levels=5)

    framework = framework_import(content=_csv(FRAMEWORK_ROW, _item("T1-A")))

    assert framework.scale.code == "T1-2"
    assert framework.scale.max_level == 3
    assert ProficiencyScale.objects.get(code="T1").max_level == 5


# Refusals: each names the row or item and writes nothing -----------------------------


def test_an_existing_framework_code_is_refused():
    framework_load_defaults()
    content = framework_export(
        framework=Framework.objects.get(code="DC22"), fmt=FORMAT_MOODLE_CSV
    )

    messages = _refused(content, "Row 2", "“DC22” already exists")
    # Its competency codes are taken too, and each offending row is named.
    assert any(m.startswith("Row 3: ") and "DC22-1" in m for m in messages)


def test_a_competency_code_used_by_another_framework_is_refused():
    framework_load_defaults()
    content = _csv(FRAMEWORK_ROW, _item("T1-A"), _item("DC22-4.2", parent="T1-A"))

    _refused(content, "Row 4", "“DC22-4.2” already belongs to framework “DC22”")


def test_missing_column_is_refused():
    header = [c for c in MOODLE_COLUMNS if c != "Taxonomy"]
    content = _csv(FRAMEWORK_ROW, _item("T1-A"), header=header)

    _refused(content, "Row 1", "has 13 columns", "has 14", "14. Taxonomy")


def test_renamed_header_words_do_not_matter_the_position_does():
    header = ["Parent ID" if c == "Parent ID number" else c for c in MOODLE_COLUMNS]
    content = _csv(FRAMEWORK_ROW, _item("T1-A"), header=header)

    assert framework_import(content=content).code == "T1"


def test_moved_column_is_refused_with_moodles_order():
    header = list(MOODLE_COLUMNS)
    header[0], header[1] = header[1], header[0]
    content = _csv(FRAMEWORK_ROW, _item("T1-A"), header=header)

    _refused(content, "Row 1", "“ID number” is column 1 here but column 2")


def test_semicolon_separated_file_is_refused_with_a_hint():
    content = ";".join(MOODLE_COLUMNS).encode() + b"\n;T1;Test\n"

    _refused(content, "Row 1", "semicolons")


def test_unknown_parent_is_refused():
    content = _csv(
        FRAMEWORK_ROW,
        _item("T1-A"),
        _item("T1-A.1", parent="T1-A"),
        _item("T1-Z.1", parent="T1-Z"),
    )

    _refused(content, "Row 5", "parent “T1-Z” is not in the file")


def test_cycle_is_refused():
    content = _csv(
        FRAMEWORK_ROW,
        _item("T1-A"),
        _item("T1-B", parent="T1-C"),
        _item("T1-C", parent="T1-B"),
    )

    _refused(content, "Row 4, Row 5", "T1-B → T1-C → T1-B")


def test_a_competency_that_is_its_own_parent_is_refused():
    content = _csv(FRAMEWORK_ROW, _item("T1-A", parent="T1-A"))

    _refused(content, "Row 3", "T1-A → T1-A")


def test_duplicate_id_numbers_are_refused():
    content = _csv(FRAMEWORK_ROW, _item("T1-A"), _item("T1-B"), _item("T1-A"))

    _refused(content, "Row 5", "“T1-A” is used twice (first at Row 3)")


def test_gbk_file_is_refused_with_how_to_save_as_utf8():
    content = _csv(FRAMEWORK_ROW, _item("T1-A", name="政务服务"), encoding="gb18030")

    _refused(content, "GBK/GB18030", "line 3", "CSV UTF-8")


def test_latin1_file_is_refused():
    content = _csv(FRAMEWORK_ROW, _item("T1-A", name="Café"), encoding="latin-1")

    _refused(content, "not UTF-8", "line 3")


def test_utf16_file_is_refused():
    content = _csv(FRAMEWORK_ROW, _item("T1-A"), encoding="utf-16")

    _refused(content, "UTF-16")


def test_utf8_with_bom_is_accepted():
    content = b"\xef\xbb\xbf" + _csv(FRAMEWORK_ROW, _item("T1-A", name="政务服务"))

    framework_import(content=content)

    assert Competency.objects.get(code="T1-A").name == "政务服务"


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b" \r\n\r\n"])
def test_empty_file_is_refused(content):
    _refused(content, "The file is empty")


def test_header_without_a_framework_row_is_refused():
    _refused(_csv(_item("T1-A")), "No framework row", "Is framework")


def test_two_framework_rows_are_refused():
    second = dict(FRAMEWORK_ROW, **{"ID number": "T2"})
    _refused(_csv(FRAMEWORK_ROW, second, _item("T1-A")), "Rows 2, 3")


def test_framework_without_competencies_is_refused():
    _refused(_csv(FRAMEWORK_ROW), "Row 2", "no competencies")


def test_empty_id_number_is_refused():
    _refused(_csv(FRAMEWORK_ROW, _item("T1-A"), _item("")), "Row 4", "“ID number”")


def test_too_long_code_is_refused():
    _refused(_csv(FRAMEWORK_ROW, _item("X" * 65)), "Row 3", "at most 64")


@pytest.mark.parametrize(
    "config, fragment",
    [
        ("not json", "not valid JSON"),
        ('{"scaleid":"0"}', "must be a list"),
        ('[{"scaleid":"0"},{"id":9,"proficient":1}]', "refers to level 9"),
        ('[{"scaleid":"0"},{"id":1,"scaledefault":1,"proficient":0}]', "no level"),
    ],
)
def test_scale_configuration_problems_are_refused(config, fragment):
    row = dict(FRAMEWORK_ROW, **{"Scale configuration": config})

    _refused(_csv(row, _item("T1-A")), "Row 2", fragment)


def test_scale_values_problems_are_refused():
    no_levels = dict(FRAMEWORK_ROW, **{"Scale values": ""})
    _refused(_csv(no_levels, _item("T1-A")), "Row 2", "(“Scale values”) is empty")
    blank_level = dict(FRAMEWORK_ROW, **{"Scale values": "Low,,High"})
    _refused(_csv(blank_level, _item("T1-A")), "Row 2", "level 2")


def test_a_competency_with_its_own_scale_is_refused():
    own = _item("T1-A", **{"Scale values": "No,Yes"})
    _refused(_csv(FRAMEWORK_ROW, own), "Row 3", "one scale per framework")


def test_every_problem_is_reported_at_once():
    content = _csv(
        FRAMEWORK_ROW,
        _item("T1-A"),
        _item("T1-A"),
        _item("T1-B", parent="T1-NOPE"),
    )

    messages = _refused(content)

    assert len(messages) == 2
    assert messages[0].startswith("Row 4: ")
    assert messages[1].startswith("Row 5: ")


def test_invalid_json_is_refused():
    _refused(b'{"CFDocument": {"title": "x",}', "not valid JSON", "line 1")


def test_json_without_cfdocument_is_refused():
    _refused(b'{"items": []}', "no CFDocument")


def test_case_association_to_a_missing_item_is_refused():
    content = _case(
        [{"identifier": "i-1", "fullStatement": "Area", "humanCodingScheme": "X-1"}],
        [_child_of("a-1", "i-1", "doc-1"), _child_of("a-2", "i-404", "i-1")],
    )

    _refused(content, "CFAssociation a-2", "i-404", "not among the CFItems")


def test_case_association_to_a_missing_parent_is_refused():
    content = _case(
        [{"identifier": "i-1", "fullStatement": "Area", "humanCodingScheme": "X-1"}],
        [_child_of("a-1", "i-1", "i-404")],
    )

    _refused(content, "CFAssociation a-1", "i-404")


def test_case_item_with_two_parents_is_refused():
    items = [
        {"identifier": f"i-{n}", "fullStatement": f"N{n}", "humanCodingScheme": f"X{n}"}
        for n in (1, 2, 3)
    ]
    content = _case(
        items,
        [
            _child_of("a-1", "i-3", "i-1"),
            _child_of("a-2", "i-3", "i-2"),
        ],
    )

    _refused(content, "CFItem i-3", "more than one")


def test_case_cycle_and_duplicate_identifiers_are_refused():
    items = [
        {"identifier": "i-1", "fullStatement": "A", "humanCodingScheme": "X-A"},
        {"identifier": "i-2", "fullStatement": "B", "humanCodingScheme": "X-B"},
    ]
    cycle = _case(
        items, [_child_of("a-1", "i-1", "i-2"), _child_of("a-2", "i-2", "i-1")]
    )
    _refused(cycle, "CFItem i-1, CFItem i-2", "each other's parents")

    duplicate = _case(items + [dict(items[0])], [])
    _refused(duplicate, "CFItem i-1", "share this identifier")


def test_case_item_without_full_statement_is_refused():
    content = _case([{"identifier": "i-1", "humanCodingScheme": "X-1"}], [])

    _refused(content, "CFItem i-1", "“fullStatement”")


def test_case_with_a_broken_civicskills_scale_is_refused():
    framework_load_defaults()
    package = json.loads(
        framework_export(
            framework=Framework.objects.get(code="CSEG"), fmt=FORMAT_CASE_JSON
        )
    )
    _wipe()
    scale = package["CFDocument"]["extensions"]["civicskills"]["scale"]
    scale["proficient_level"] = 9

    _refused(json.dumps(package).encode(), "CFDocument", "proficient_level")


# Management commands ----------------------------------------------------------------


def test_framework_export_command_writes_to_stdout_and_to_a_file(tmp_path):
    framework_load_defaults()
    out = io.StringIO()

    call_command("framework_export", "CSEG", "--format", "case-json", stdout=out)
    call_command(
        "framework_export",
        "CSEG",
        "--output",
        str(tmp_path / "cseg.csv"),
        stderr=io.StringIO(),
    )

    assert json.loads(out.getvalue())["CFDocument"]["title"].startswith("CivicSkills")
    assert (
        (tmp_path / "cseg.csv")
        .read_bytes()
        .startswith(b'\xef\xbb\xbf"Parent ID number","ID number"')
    )


def test_framework_export_command_refuses_an_unknown_code():
    framework_load_defaults()

    with pytest.raises(CommandError, match="NOPE.*DC22"):
        call_command("framework_export", "NOPE", stdout=io.StringIO())


def test_framework_import_command_imports_an_export(tmp_path):
    framework_load_defaults()
    path = tmp_path / "digcomp.json"
    call_command(
        "framework_export",
        "DC22",
        "--format",
        "case-json",
        "--output",
        str(path),
        stderr=io.StringIO(),
    )
    _wipe()
    out = io.StringIO()

    call_command("framework_import", str(path), stdout=out)

    assert "DC22" in out.getvalue()
    assert Competency.objects.filter(framework__code="DC22").count() == 26


def test_framework_import_command_reports_the_rows_and_writes_nothing(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(_csv(FRAMEWORK_ROW, _item("T1-A"), _item("T1-A")))

    with pytest.raises(CommandError) as caught:
        call_command("framework_import", str(path), stdout=io.StringIO())

    assert "Row 4" in str(caught.value)
    assert "bad.csv was not imported" in str(caught.value)
    assert _counts() == (0, 0, 0, 0)


def test_framework_import_command_reports_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("framework_import", str(tmp_path / "nope.csv"))
