"""The question bank template: a workbook to fill in, with one example per question
type (it imports as it is), instructions, and the codes that exist now."""

from __future__ import annotations

from django.utils.translation import gettext as _
from openpyxl.styles import Font

from ..models import Competency, QuestionCategory
from ..spreadsheets import spreadsheet_safe, workbook_bytes
from .export import question_workbook
from .layout import COLUMNS


def _example_codes() -> tuple[str, str]:
    category = (
        QuestionCategory.objects.filter(code="egov-service").first()
        or QuestionCategory.objects.order_by("code").first()
    )
    competency = (
        Competency.objects.filter(code="EG-1.1").first()
        or Competency.objects.filter(depth__gt=1).order_by("code").first()
        or Competency.objects.order_by("code").first()
    )
    return (
        category.code if category else "egov-service",
        competency.code if competency else "EG-1.1",
    )


def _template_examples() -> list[dict[str, str]]:
    category, competency = _example_codes()
    base = {"category": category, "competency": competency, "points": "1"}
    examples = [
        {
            "code": "EXAMPLE-001",
            "level": "1",
            "type": "single",
            "text_zh": "“一网通办”对办事群众来说意味着什么？",
            "text_en": "What does 'one network for all services' mean for applicants?",
            "option_1_zh": "用一个账号在一个平台上申请和查询多个部门的服务",
            "option_1_en": "Apply for and track many departments' services on one "
            "platform with one account",
            "option_2_zh": "每个部门分别注册账号",
            "option_2_en": "Register a separate account with each department",
            "option_3_zh": "只有企业可以网上申请",
            "option_3_en": "Only enterprises may apply online",
            "correct": "1",
            "explanation_zh": "一体化平台，一次登录，一个入口。",
            "explanation_en": "One integrated platform, one login, one entrance.",
        },
        {
            "code": "EXAMPLE-002",
            "level": "2",
            "type": "multiple",
            "text_zh": "预审网上申请时，哪些做法是恰当的？",
            "text_en": "Which actions are appropriate when pre-reviewing an online "
            "application?",
            "option_1_zh": "对照办事指南核对材料",
            "option_1_en": "Check the materials against the service guide",
            "option_2_zh": "能共享获取的材料不再要求提交",
            "option_2_en": "Do not ask for materials available through data sharing",
            "option_3_zh": "等申请人来电再处理",
            "option_3_en": "Wait until the applicant phones",
            "correct": "1,2",
            "partial_credit": "proportional",
            "explanation_zh": "核对清单、共享获取，不让群众多跑。",
            "explanation_en": "Check the list and use shared data.",
        },
        {
            "code": "EXAMPLE-003",
            "level": "1",
            "type": "truefalse",
            "text_zh": "窗口可以要求提交办事指南以外的材料。",
            "text_en": "A window may ask for materials missing from the service guide.",
            "correct": "false",
            "explanation_zh": "清单之外不得另行要求材料。",
            "explanation_en": "Nothing outside the published list may be required.",
        },
        {
            "code": "EXAMPLE-004",
            "level": "2",
            "type": "short",
            "text_zh": "从申请到取得结果都在网上完成的事项通常称为什么？",
            "text_en": "What is a matter handled online from application to result "
            "called?",
            "accepted_answers": "全程网办|全流程网办|fully online",
            "explanation_zh": "“全程网办”。",
            "explanation_en": "Fully online handling (全程网办).",
        },
        {
            "code": "EXAMPLE-005",
            "level": "2",
            "type": "numeric",
            "text_zh": "1200 件申请中 900 件一次办结，一次办结率是百分之多少？",
            "text_en": "900 of 1,200 applications were completed in one visit. What "
            "percentage is that?",
            "numeric_answer": "75",
            "tolerance": "0.5",
            "explanation_zh": "900 ÷ 1200 = 75%。",
            "explanation_en": "900 ÷ 1,200 = 75 %.",
        },
    ]
    rows = []
    for example in examples:
        row = {column: "" for column in COLUMNS}
        row.update(base)
        row.update(example)
        rows.append(row)
    return rows


def _instructions() -> list[tuple[str, str, str]]:
    yes, no = _("yes"), _("no")
    return [
        ("code", yes, _("Unique code of the question; an existing code is updated.")),
        ("category", yes, _("Category code, see the Codes sheet.")),
        ("competency", yes, _("Competency code, see the Codes sheet.")),
        ("level", yes, _("Level on the competency's scale, e.g. 1 to 8 for DigComp.")),
        ("type", yes, _("single, multiple, truefalse, short or numeric.")),
        ("text_zh / text_en", yes, _("The question in Chinese and/or English.")),
        (
            "option_1_zh … option_6_en",
            _("choice types"),
            _("The options in order, without gaps; at least two."),
        ),
        (
            "correct",
            _("choice types"),
            _("Number(s) of the right option: 1, or 1,3; true or false for truefalse."),
        ),
        (
            "accepted_answers",
            _("short"),
            _(
                "Every accepted answer separated by |. Case, full-width/half-width "
                "and spaces are ignored when grading."
            ),
        ),
        ("numeric_answer", _("numeric"), _("The right number.")),
        (
            "tolerance",
            no,
            _("How far an answer may be off and still count; 0 if empty."),
        ),
        (
            "partial_credit",
            no,
            _("multiple: proportional (default) or all (all or nothing)."),
        ),
        ("explanation_zh / explanation_en", no, _("Shown after submitting.")),
        ("points", no, _("Points for the question; 1 if empty.")),
    ]


def question_template_xlsx() -> bytes:
    """A workbook to fill in: the Questions sheet with the header and one example per
    question type (it imports as it is), an Instructions sheet, and a Codes sheet with
    the categories and competencies that exist now."""
    workbook = question_workbook(_template_examples())
    guide = workbook.create_sheet(_("Instructions"))
    guide.append([_("Column"), _("Required"), _("What to enter")])
    for cell in guide[1]:
        cell.font = Font(bold=True)
    for line in _instructions():
        guide.append(list(line))
    guide.append([])
    guide.append(
        [
            _(
                "Delete the EXAMPLE rows before importing your own questions. Rows "
                "with errors are listed by row number and nothing is saved until "
                "every row is right."
            )
        ]
    )
    guide.column_dimensions["A"].width = 32
    guide.column_dimensions["B"].width = 14
    guide.column_dimensions["C"].width = 90

    codes = workbook.create_sheet(_("Codes"))
    codes.append(
        [_("Category code"), _("Category"), "", _("Competency code"), _("Competency")]
    )
    for cell in codes[1]:
        cell.font = Font(bold=True)
    categories = [(c.code, str(c)) for c in QuestionCategory.objects.order_by("code")]
    competencies = [
        (c.code, c.display_name)
        for c in Competency.objects.order_by("framework__code", "path")
    ]
    for index in range(max(len(categories), len(competencies))):
        category = categories[index] if index < len(categories) else ("", "")
        competency = competencies[index] if index < len(competencies) else ("", "")
        codes.append([spreadsheet_safe(v) for v in (*category, "", *competency)])
    for letter, width in zip("ABCDE", (18, 24, 4, 18, 60), strict=True):
        codes.column_dimensions[letter].width = width
    return workbook_bytes(workbook)
