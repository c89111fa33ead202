"""The question bank as a spreadsheet, the way county HR offices keep question banks
in Excel: import (importing.py), export as XLSX or CSV (export.py) and a template to
start from (template.py), all in one layout (layout.py). Reading and writing the
files themselves is assessments.spreadsheets'."""

from .export import question_bank_export_csv, question_bank_export_xlsx
from .importing import question_bank_import, question_bank_parse
from .layout import (
    COLUMNS,
    MAX_UPLOAD_BYTES,
    REQUIRED_COLUMNS,
    ImportResult,
    ParsedQuestion,
    QuestionImportError,
)
from .template import question_template_xlsx

__all__ = [
    "COLUMNS",
    "MAX_UPLOAD_BYTES",
    "REQUIRED_COLUMNS",
    "ImportResult",
    "ParsedQuestion",
    "QuestionImportError",
    "question_bank_export_csv",
    "question_bank_export_xlsx",
    "question_bank_import",
    "question_bank_parse",
    "question_template_xlsx",
]
