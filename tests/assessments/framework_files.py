"""Framework files made the way other tools make them, for the fidelity tests.

Moodle: `moodle_framework_csv` follows Moodle's exporter
(admin/tool/lpimportcsv/classes/framework_exporter.php) cell by cell: the header row
from list_required_headers() in the exporting user's language, the framework row
('' parent, idnumber, shortname, description, descriptionformat, the scale's
compact_items(), scaleconfiguration, five empty cells, true, implode(',',
taxonomies)), then one row per competency in list_competencies() order (by id, which
Moodle's importer assigns depth-first), with ruletype (null → ''), ruleoutcome,
ruleconfig ("null" when none), the cross-referenced ID numbers (',' in an ID number
written as %2C, in tree order, listed on both competencies), the competency id and
false. csv_export_writer writes through PHP's fputcsv: no byte-order mark, "\\n" line
ends, a cell quoted when it holds a comma, quote, backslash, space, tab or line break.
The scale configuration is what Moodle's scale dialogue (tool_lp/scaleconfig.js)
stores: {"scaleid": "<id as a string>"} then only the levels that are the default or
proficient. This is an independent implementation (it does not call the code under
test).

Header words: English as Moodle writes them today (lang/en/tool_lpimportcsv.php), the
older English spellings (Moodle's own test fixture tests/fixtures/example.csv: "Parent
id number", "Id number", "Shortname", "Cross referenced competency id numbers",
"Exported id (optional)"), and a Chinese header. The Chinese pack's text for
tool_lpimportcsv was not available offline, so the Chinese header is our translation
of each English string: the point is that an importer reading by position accepts any
words.

CASE: `opensalt_package` is shaped like a CFPackage that OpenSALT serves at
/ims/case/v1p0/CFPackages/{id}: CFDocument (with CFPackageURI, subject,
officialSourceURL),
CFItems with CFItemType and CFItemTypeURI, humanCodingScheme, listEnumeration,
abbreviatedStatement, educationLevel; CFAssociations with sequenceNumber (not in
file order), isRelatedTo, exactMatchOf to a node of another document, precedes, and
an association from another document's node; CFDefinitions with CFItemTypes,
CFSubjects, CFConcepts, CFLicenses, CFAssociationGroupings.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

HEADER_EN = (
    "Parent ID number",
    "ID number",
    "Short name",
    "Description",
    "Description format",
    "Scale values",
    "Scale configuration",
    "Rule type (optional)",
    "Rule outcome (optional)",
    "Rule config (optional)",
    "Cross-referenced competency ID numbers",
    "Exported ID (optional)",
    "Is framework",
    "Taxonomy",
)
HEADER_OLD = (
    "Parent id number",
    "Id number",
    "Shortname",
    "Description",
    "Description format",
    "Scale values",
    "Scale configuration",
    "Rule type (optional)",
    "Rule outcome (optional)",
    "Rule config (optional)",
    "Cross referenced competency id numbers",
    "Exported id (optional)",
    "Is framework",
    "Taxonomy",
)
HEADER_ZH = (
    "父级 ID 编号",
    "ID 编号",
    "简称",
    "描述",
    "描述格式",
    "量表值",
    "量表配置",
    "规则类型（可选）",
    "规则结果（可选）",
    "规则配置（可选）",
    "交叉引用的能力 ID 编号",
    "导出的 ID（可选）",
    "是框架",
    "分类",
)


def fputcsv(cells: list) -> str:
    """PHP's fputcsv(…, ',', '"') with its default escape character '\\'."""
    out = []
    for value in cells:
        text = (
            "1"
            if value is True
            else ""
            if value is False or value is None
            else str(value)
        )
        if any(ch in text for ch in ',"\\ \t\r\n'):
            quoted, escaped = '"', False
            for ch in text:
                if ch == "\\":
                    escaped = True
                elif not escaped and ch == '"':
                    quoted += '"'
                else:
                    escaped = False
                quoted += ch
            text = quoted + '"'
        out.append(text)
    return ",".join(out) + "\n"


@dataclass
class MoodleCompetency:
    id: int
    idnumber: str
    shortname: str
    parent: str = ""
    description: str = ""
    descriptionformat: int = 1  # Moodle's default, FORMAT_HTML
    ruletype: str | None = None
    ruleoutcome: int = 0
    ruleconfig: str | None = None
    related: list[str] = field(default_factory=list)


RULE_ALL = "core_competency\\competency_rule_all"
RULE_POINTS = "core_competency\\competency_rule_points"


def service_hall_framework() -> tuple[dict, list[MoodleCompetency]]:
    """A county's own framework as a Moodle site holds it: HTML descriptions, plain,
    Markdown and Moodle-format ones, a four-level taxonomy, siblings not in code
    order, cross-references (one ID number with a comma), an "all" rule and a points
    rule naming its children by Moodle id, a three-level scale whose default is level
    2 and whose proficient levels are 2 and 3."""
    framework = {
        "idnumber": "QX-ESVC-2026",
        "shortname": "Qingxi county e-service skills",
        "description": (
            "<p>Skills for staff of the <strong>county service hall</strong> and "
            'township centres.</p><p>See <a href="https://example.org/guide">the '
            "guide</a>.</p>"
        ),
        "descriptionformat": 1,
        "scale": "Not yet competent,Competent,Expert",
        "scaleconfiguration": json.dumps(
            [
                {"scaleid": "7"},
                {"id": 2, "scaledefault": 1, "proficient": 1},
                {"id": 3, "scaledefault": 0, "proficient": 1},
            ],
            separators=(",", ":"),
        ),
        "taxonomies": "domain,skill,indicator,behaviour",
    }
    points = json.dumps(
        {
            "base": {"points": 2},
            "competencies": [
                {"id": 4, "points": 1, "required": 1},
                {"id": 5, "points": 2, "required": 0},
            ],
        },
        separators=(",", ":"),
    )
    competencies = [
        MoodleCompetency(
            1,
            "ONLINE-HALL",
            "Online service hall",
            description="<p>Running the <em>one-stop</em> online hall.</p>",
            ruletype=RULE_ALL,
            ruleoutcome=1,
        ),
        # Siblings in the order an editor put them, not in code order.
        MoodleCompetency(
            2,
            "ONLINE-HALL-Z-RECEIVE",
            "Receiving applications online",
            parent="ONLINE-HALL",
            description=(
                "<p>Check each upload against the list:</p><ul><li>ID card</li>"
                "<li>Household register</li></ul>"
            ),
            ruletype=RULE_POINTS,
            ruleoutcome=2,
            ruleconfig=points,
        ),
        MoodleCompetency(
            3,
            "ONLINE-HALL-Z-RECEIVE-CHECK",
            "Checks uploaded certificates",
            parent="ONLINE-HALL-Z-RECEIVE",
            description="Compare the scan with the electronic certificate.\nAsk again.",
            descriptionformat=2,
        ),
        MoodleCompetency(
            4,
            "ONLINE-HALL-Z-RECEIVE-EXPLAIN",
            "Explains what is missing in plain words",
            parent="ONLINE-HALL-Z-RECEIVE",
            description="Say **which** document, and *why*.",
            descriptionformat=4,
            related=["SEC,PHISHING"],
        ),
        MoodleCompetency(
            5,
            "ONLINE-HALL-Z-RECEIVE-TRACK",
            "Tracks the case to the end",
            parent="ONLINE-HALL-Z-RECEIVE",
            description='Uses the "case number" from the slip.\nNo paper copies.',
            descriptionformat=0,
        ),
        MoodleCompetency(
            6,
            "ONLINE-HALL-A-ONCE",
            "Run at most once",
            parent="ONLINE-HALL",
            related=["SEC,PHISHING"],
        ),
        MoodleCompetency(7, "SECURITY", "Information security practice"),
        MoodleCompetency(
            8,
            "SEC,PHISHING",
            "Recognises phishing",
            parent="SECURITY",
            description="<p>Reports suspicious mail to the 12345 desk.</p>",
            related=["ONLINE-HALL-Z-RECEIVE-EXPLAIN", "ONLINE-HALL-A-ONCE"],
        ),
    ]
    return framework, competencies


def moodle_framework_csv(
    framework: dict,
    competencies: list[MoodleCompetency],
    *,
    header=HEADER_EN,
    bom: bool = False,
) -> bytes:
    """The file Moodle's exporter writes for this framework (see the module doc)."""
    lines = [fputcsv(list(header))]
    lines.append(
        fputcsv(
            [
                "",
                framework["idnumber"],
                framework["shortname"],
                framework["description"],
                framework["descriptionformat"],
                framework["scale"],
                framework["scaleconfiguration"],
                "",
                "",
                "",
                "",
                "",
                True,
                framework["taxonomies"],
            ]
        )
    )
    for comp in sorted(competencies, key=lambda c: c.id):
        related = ",".join(r.replace(",", "%2C") for r in comp.related)
        lines.append(
            fputcsv(
                [
                    comp.parent,
                    comp.idnumber,
                    comp.shortname,
                    comp.description,
                    comp.descriptionformat,
                    "",
                    "",
                    comp.ruletype,
                    comp.ruleoutcome,
                    "null" if comp.ruleconfig is None else comp.ruleconfig,
                    related,
                    comp.id,
                    False,
                    "",
                ]
            )
        )
    text = "".join(lines)
    return (("\ufeff" if bom else "") + text).encode("utf-8")


# CASE ------------------------------------------------------------------------------

DOC = "c5fb0812-d7cb-11e8-824f-0242ac160002"
OTHER_DOC_NODE = "9f6e2a44-0000-4000-8000-00000000abcd"


def _node(identifier: str, title: str) -> dict:
    return {
        "title": title,
        "identifier": identifier,
        "uri": f"https://case.example.org/uri/{identifier}",
    }


def opensalt_package() -> dict:
    """A CFPackage as OpenSALT serves it (see the module doc)."""
    doc_ref = _node(DOC, "Digital service competences for front-line staff")
    types = {
        "Domain": "a1f9e0a2-0000-4000-8000-000000000001",
        "Competency": "a1f9e0a2-0000-4000-8000-000000000002",
    }

    def item(identifier, code, statement, kind, **extra):
        return {
            "identifier": identifier,
            "uri": f"https://case.example.org/uri/{identifier}",
            "CFDocumentURI": doc_ref,
            "fullStatement": statement,
            "humanCodingScheme": code,
            "CFItemType": kind,
            "CFItemTypeURI": _node(types[kind], kind),
            "language": "en",
            "educationLevel": ["AD"],
            "lastChangeDateTime": "2025-11-03T08:12:44+00:00",
            **extra,
        }

    long_statement = (
        "Explains to a member of the public, in plain language and without jargon, "
        "which documents an application still needs, why each is needed, where it "
        "can be obtained, how long obtaining it usually takes, and which of them can "
        "be fetched by the office itself through data sharing between departments, "
        "so that the applicant does not have to come back a second time."
    )
    items = [
        item("i-area-1", "FS-1", "Serving the public online", "Domain",
             listEnumeration="1"),
        item("i-1-2", "FS-1.2", "Tracks an application to its end", "Competency",
             listEnumeration="2", notes="Uses the case number."),
        item("i-1-1", "FS-1.1", long_statement, "Competency", listEnumeration="1",
             abbreviatedStatement="Explains missing documents"),
        item("i-area-2", "FS-2", "Working safely", "Domain", listEnumeration="2"),
        item("i-2-1", "FS-2.1", "Recognises phishing", "Competency",
             listEnumeration="1"),
    ]  # fmt: skip

    def assoc(identifier, kind, origin, destination, sequence=None):
        entry = {
            "identifier": identifier,
            "uri": f"https://case.example.org/uri/{identifier}",
            "associationType": kind,
            "CFDocumentURI": doc_ref,
            "originNodeURI": origin,
            "destinationNodeURI": destination,
            "lastChangeDateTime": "2025-11-03T08:12:44+00:00",
        }
        if sequence is not None:
            entry["sequenceNumber"] = sequence
        return entry

    ref = {i["identifier"]: _node(i["identifier"], i["fullStatement"]) for i in items}
    other = _node(OTHER_DOC_NODE, "DigComp 4.1 Protecting devices")
    associations = [
        assoc("a-1", "isChildOf", ref["i-area-1"], doc_ref, 1),
        assoc("a-2", "isChildOf", ref["i-area-2"], doc_ref, 2),
        # Listed 1.2 first, but the sequence numbers put 1.1 first.
        assoc("a-3", "isChildOf", ref["i-1-2"], ref["i-area-1"], 2),
        assoc("a-4", "isChildOf", ref["i-1-1"], ref["i-area-1"], 1),
        assoc("a-5", "isChildOf", ref["i-2-1"], ref["i-area-2"], 1),
        assoc("a-6", "isRelatedTo", ref["i-1-1"], ref["i-2-1"]),
        assoc("a-7", "precedes", ref["i-1-1"], ref["i-1-2"]),
        assoc("a-8", "exactMatchOf", ref["i-2-1"], other),
        # From another document's node: that framework's business.
        assoc("a-9", "isRelatedTo", other, ref["i-2-1"]),
    ]
    return {
        "CFDocument": {
            "identifier": DOC,
            "uri": doc_ref["uri"],
            "creator": "Provincial Civil Service Training Centre",
            "title": doc_ref["title"],
            "lastChangeDateTime": "2025-11-03T08:12:44+00:00",
            "officialSourceURL": "https://example.org/frameworks/front-line",
            "publisher": "Provincial Civil Service Training Centre",
            "description": "Competences for staff who serve the public.",
            "subject": ["Public administration"],
            "language": "en",
            "version": "2025.1",
            "adoptionStatus": "Adopted",
            "CFPackageURI": _node(DOC, doc_ref["title"]),
        },
        "CFItems": items,
        "CFAssociations": associations,
        "CFDefinitions": {
            "CFConcepts": [],
            "CFSubjects": [
                {
                    "identifier": "s-1",
                    "uri": "https://case.example.org/uri/s-1",
                    "title": "Public administration",
                    "hierarchyCode": "1",
                }
            ],
            "CFLicenses": [],
            "CFItemTypes": [
                {
                    "identifier": identifier,
                    "uri": f"https://case.example.org/uri/{identifier}",
                    "title": title,
                    "description": title,
                    "hierarchyCode": title,
                    "lastChangeDateTime": "2025-11-03T08:12:44+00:00",
                }
                for title, identifier in types.items()
            ],
            "CFAssociationGroupings": [],
        },
        "CFRubrics": [],
    }
