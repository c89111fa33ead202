"""Back office for competence: frameworks (view, import, export), the question bank
(edit, import, export, template) and quizzes as snippets that lessons can use.
Questions and quizzes have drafts, revisions and the moderation workflow: editors
submit, moderators publish (assessments.services.publication)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import ProtectedError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.admin.ui.tables import (
    BooleanColumn,
    Column,
    LiveStatusTagColumn,
    TitleColumn,
)
from wagtail.admin.views import generic
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.snippets.views.snippets import DeleteView, SnippetViewSet

from audit.limits import EXPORTS, UPLOADS, rate_limited
from audit.services import record_export

from . import interchange
from . import question_bank as question_io
from .forms import FrameworkImportForm, QuestionImportForm
from .models import (
    Competency,
    CompetencyRelation,
    Framework,
    Question,
    QuestionCategory,
    Quiz,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    record_export(filename, file_format=filename.rsplit(".", 1)[-1])
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class FrameworkInspectView(generic.InspectView):
    """A framework as its file carried it: the description rendered as rich text,
    the word for each level of the tree, the scale's default and proficient levels."""

    def get_description_display_value(self):
        return self.object.display_description_html or "-"

    def get_taxonomies_display_value(self):
        framework = self.object
        if not framework.taxonomies:
            return "-"
        return ", ".join(
            _("level %(depth)s: %(term)s")
            % {"depth": depth, "term": framework.taxonomy_label(depth)}
            for depth in range(1, len(framework.taxonomy_list) + 1)
        )

    def get_scale_default_display_value(self):
        framework = self.object
        levels = {lv.value: lv for lv in framework.scale.levels.all()}
        default = levels.get(framework.scale_default or 1)
        proficient = levels.get(framework.scale.proficient_level)
        return _("default %(default)s; proficient from %(proficient)s") % {
            "default": default or "-",
            "proficient": proficient or "-",
        }


class CompetencyInspectView(generic.InspectView):
    """A competency with its description rendered, its relations (both ways for a
    cross-reference) and its completion rule."""

    def get_description_display_value(self):
        return self.object.display_description_html or "-"

    def get_field_label(self, field_name, field):
        if field_name == "relations_out":
            return _("Relations")
        return super().get_field_label(field_name, field)

    def get_relations_out_display_value(self):
        competency = self.object
        rows = [
            f"{relation.get_kind_display()} {relation.display_target}"
            for relation in competency.relations_out.select_related("target")
        ]
        rows += [
            f"{relation.get_kind_display()} {relation.origin}"
            for relation in competency.relations_in.filter(
                kind=CompetencyRelation.Kind.RELATED
            ).select_related("origin")
        ]
        if not rows:
            return "-"
        return format_html_join(mark_safe("<br>"), "{}", ((row,) for row in rows))

    def get_validity_months_display_value(self):
        months = self.object.validity_months
        return "-" if months is None else months

    def get_rule_type_display_value(self):
        competency = self.object
        if not competency.rule_type:
            return "-"
        text = _("%(rule)s → %(outcome)s") % {
            "rule": competency.get_rule_type_display(),
            "outcome": competency.get_rule_outcome_display(),
        }
        config = competency.rule_config or {}
        if competency.rule_type == Competency.RuleType.POINTS and config:
            parts = [
                _("%(code)s: %(points)s points%(required)s")
                % {
                    "code": entry["code"],
                    "points": entry["points"],
                    "required": _(", required") if entry["required"] else "",
                }
                for entry in config.get("competencies", [])
            ]
            text += " " + _("(%(points)s points needed: %(parts)s)") % {
                "points": config.get("base", {}).get("points"),
                "parts": "; ".join(parts),
            }
        return text


class FrameworkViewSet(ModelViewSet):
    model = Framework
    icon = "list-ul"
    menu_label = gettext_lazy("Frameworks")
    form_fields = [
        "name",
        "name_zh",
        "version",
        "source",
        "licence",
        "attribution",
        "attribution_zh",
        "description",
        "description_zh",
        "description_format",
        "taxonomies",
        "scale_default",
        "is_active",
    ]
    list_display = [
        TitleColumn("name", label=gettext_lazy("name"), url_name="frameworks:edit"),
        Column("code", label=gettext_lazy("code")),
        Column("version", label=gettext_lazy("version")),
        Column("licence", label=gettext_lazy("licence")),
        Column("display_attribution", label=gettext_lazy("attribution")),
        BooleanColumn("is_active", label=gettext_lazy("active")),
    ]
    inspect_view_enabled = True
    inspect_view_class = FrameworkInspectView
    inspect_view_fields = [
        "code",
        "name",
        "name_zh",
        "version",
        "description",
        "taxonomies",
        "scale",
        "scale_default",
        "licence",
        "attribution",
        "source",
    ]
    copy_view_enabled = False
    add_to_admin_menu = False


class CompetencyIndexView(generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("framework")


class CompetencyViewSet(ModelViewSet):
    """Competencies are read here; their structure changes through framework import
    so that codes other systems rely on never drift."""

    model = Competency
    icon = "pick"
    menu_label = gettext_lazy("Competencies")
    form_fields = [
        "name",
        "name_zh",
        "description",
        "description_zh",
        "description_format",
        "validity_months",
    ]
    list_display = [
        TitleColumn("code", label=gettext_lazy("code"), url_name="competencies:edit"),
        Column("display_name", label=gettext_lazy("name")),
        Column("framework", label=gettext_lazy("framework")),
        Column("validity_months", label=gettext_lazy("evidence valid for (months)")),
    ]
    list_filter = ["framework"]
    search_fields = ["code", "name", "name_zh"]
    ordering = ["path"]
    copy_view_enabled = False
    add_view_enabled = False
    index_view_class = CompetencyIndexView
    inspect_view_enabled = True
    inspect_view_class = CompetencyInspectView
    inspect_view_fields = [
        "code",
        "name",
        "name_zh",
        "framework",
        "item_type",
        "description",
        "relations_out",
        "rule_type",
        "validity_months",
    ]


class QuestionCategoryViewSet(SnippetViewSet):
    model = QuestionCategory
    icon = "folder-open-inverse"
    menu_label = gettext_lazy("Question categories")
    list_display = ["name", "name_zh", "code"]


class KeepHistoryDeleteView(DeleteView):
    """A question or quiz that attempts already used cannot be deleted (the attempts
    and evidence point at it): say so and suggest unticking "active" instead."""

    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except ProtectedError:
            messages.error(
                request,
                _(
                    "“%(name)s” has been used in quiz attempts, so it is kept for "
                    "their records. Untick “active” to retire it instead."
                )
                % {"name": self.object},
            )
            return redirect(self.edit_url_name, self.object.pk)


class QuestionViewSet(SnippetViewSet):
    model = Question
    icon = "help"
    menu_label = gettext_lazy("Question bank")
    list_display = [
        TitleColumn(
            "code",
            label=gettext_lazy("code"),
            url_name="wagtailsnippets_assessments_question:edit",
        ),
        Column("display_text", label=gettext_lazy("question")),
        Column("competency", label=gettext_lazy("competency")),
        Column("level", label=gettext_lazy("level")),
        Column("type", label=gettext_lazy("type"), accessor="get_type_display"),
        BooleanColumn("is_active", label=gettext_lazy("active")),
        LiveStatusTagColumn(),
    ]
    list_filter = ["type", "category", "level", "is_active"]
    search_fields = ["code", "text", "text_zh"]
    panels = [
        FieldRowPanel([FieldPanel("code"), FieldPanel("category")]),
        FieldRowPanel(
            [FieldPanel("competency"), FieldPanel("level"), FieldPanel("type")]
        ),
        FieldPanel("text_zh"),
        FieldPanel("text"),
        InlinePanel(
            "options",
            heading=gettext_lazy("Options (choice questions)"),
            label=gettext_lazy("option"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("accepted_answers"),
                FieldRowPanel(
                    [FieldPanel("numeric_answer"), FieldPanel("numeric_tolerance")]
                ),
            ],
            heading=gettext_lazy("Short text and numeric answers"),
        ),
        FieldRowPanel(
            [
                FieldPanel("partial_credit"),
                FieldPanel("points"),
                FieldPanel("is_active"),
            ]
        ),
        FieldPanel("explanation_zh"),
        FieldPanel("explanation"),
    ]

    delete_view_class = KeepHistoryDeleteView

    def get_queryset(self, request):
        return Question.objects.select_related("competency", "category")


class QuizViewSet(SnippetViewSet):
    model = Quiz
    icon = "form"
    menu_label = gettext_lazy("Quizzes")
    list_display = [
        TitleColumn(
            "display_title",
            label=gettext_lazy("title"),
            url_name="wagtailsnippets_assessments_quiz:edit",
        ),
        Column("code", label=gettext_lazy("code")),
        Column("kind", label=gettext_lazy("kind"), accessor="get_kind_display"),
        Column("pass_mark_percent", label=gettext_lazy("pass mark (%)")),
        BooleanColumn("is_active", label=gettext_lazy("active")),
        LiveStatusTagColumn(),
    ]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "title", "title_zh"]
    delete_view_class = KeepHistoryDeleteView
    panels = [
        FieldRowPanel([FieldPanel("code"), FieldPanel("kind")]),
        FieldPanel("title_zh"),
        FieldPanel("title"),
        FieldPanel("description_zh"),
        FieldPanel("description"),
        FieldRowPanel(
            [
                FieldPanel("time_limit_minutes"),
                FieldPanel("max_attempts"),
                FieldPanel("pass_mark_percent"),
            ]
        ),
        FieldRowPanel(
            [
                FieldPanel("shuffle_questions"),
                FieldPanel("shuffle_options"),
                FieldPanel("review_policy"),
            ]
        ),
        FieldRowPanel([FieldPanel("paired_with"), FieldPanel("is_active")]),
        InlinePanel(
            "fixed_questions",
            heading=gettext_lazy("Questions always asked"),
            label=gettext_lazy("question"),
        ),
        InlinePanel(
            "draw_rules",
            heading=gettext_lazy("Questions drawn at random"),
            label=gettext_lazy("draw rule"),
        ),
    ]


# Import and export ------------------------------------------------------------------


def _require(request, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


@rate_limited(UPLOADS)
def framework_import_view(request):
    _require(request, "assessments.add_framework")
    form = FrameworkImportForm(request.POST or None, request.FILES or None)
    status = 200  # 400 when a file was refused: nothing was imported
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            framework = interchange.framework_import(
                content=upload.read(), filename=upload.name
            )
        except interchange.FrameworkImportError as error:
            for message in error.messages:
                form.add_error("file", message)
            status = 400
        else:
            messages.success(
                request,
                _("Imported “%(name)s” with %(count)s competencies.")
                % {"name": framework, "count": framework.competencies.count()},
            )
            return redirect("competence_io:index")
    return TemplateResponse(
        request,
        "assessments/admin/import.html",
        {
            "form": form,
            "title": _("Import a competency framework"),
            "help": _(
                "A Moodle competency framework CSV or an IMS CASE 1.0 JSON package. "
                "Nothing is saved if any row has a problem."
            ),
        },
        status=status,
    )


@rate_limited(EXPORTS, methods=("GET", "HEAD"))
def framework_export_view(request, pk: int, fmt: str):
    _require(request, "assessments.view_framework")
    framework = get_object_or_404(Framework, pk=pk)
    if fmt not in interchange.EXPORT_FORMATS:
        raise PermissionDenied
    _extension, content_type = interchange.EXPORT_FORMATS[fmt]
    return _download(
        interchange.framework_export(framework=framework, fmt=fmt),
        interchange.framework_export_filename(framework=framework, fmt=fmt),
        content_type,
    )


@rate_limited(UPLOADS)
def question_import_view(request):
    _require(request, "assessments.add_question")
    form = QuestionImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = question_io.question_bank_import(
                file=upload, filename=upload.name, user=request.user
            )
        except question_io.QuestionImportError as error:
            for message in error.messages:
                form.add_error("file", message)
        else:
            counts = {"created": result.created, "updated": result.updated}
            if result.published:
                message = _(
                    "Question bank imported and published: %(created)s new, "
                    "%(updated)s updated."
                )
            else:
                message = _(
                    "Question bank imported as drafts: %(created)s new, %(updated)s "
                    "updated, each submitted for moderation. Learners keep the "
                    "published questions until a moderator approves the changes."
                )
            messages.success(request, message % counts)
            return redirect("competence_io:index")
    return TemplateResponse(
        request,
        "assessments/admin/import.html",
        {
            "form": form,
            "title": _("Import questions"),
            "help": _(
                "An Excel (.xlsx) or CSV file laid out like the template. Every row is "
                "checked first; if any row has a problem nothing is saved and each "
                "problem is listed with its row and column."
            ),
            "template_url": reverse("competence_io:question_template"),
        },
    )


@rate_limited(EXPORTS, methods=("GET", "HEAD"))
def question_export_view(request, fmt: str):
    _require(request, "assessments.view_question")
    if fmt == "xlsx":
        return _download(
            question_io.question_bank_export_xlsx(), "question-bank.xlsx", XLSX
        )
    if fmt == "csv":
        return _download(
            question_io.question_bank_export_csv(), "question-bank.csv", "text/csv"
        )
    raise PermissionDenied


def question_template_view(request):
    _require(request, "assessments.add_question")
    return _download(
        question_io.question_template_xlsx(), "question-template.xlsx", XLSX
    )


def io_index_view(request):
    if not request.user.has_perm("assessments.view_question"):
        raise PermissionDenied
    return TemplateResponse(
        request,
        "assessments/admin/io_index.html",
        {
            "title": _("Import and export"),
            "frameworks": Framework.objects.order_by("code"),
            "formats": interchange.EXPORT_FORMATS,
        },
    )


class QuestionBankMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("assessments.view_question")


class CompetenceIOViewSet(ViewSet):
    """One back-office page for moving frameworks and questions in and out."""

    name = "competence_io"
    icon = "download"
    menu_label = gettext_lazy("Import and export")

    def get_menu_item(self, order=None):
        return QuestionBankMenuItem(
            label=self.menu_label,
            url=self.menu_url,
            name=self.name,
            icon_name=self.icon,
            order=self.get_menu_item_order(order),
        )

    def get_urlpatterns(self):
        return [
            path("", io_index_view, name="index"),
            path("frameworks/import/", framework_import_view, name="framework_import"),
            path(
                "frameworks/<int:pk>/export/<str:fmt>/",
                framework_export_view,
                name="framework_export",
            ),
            path("questions/import/", question_import_view, name="question_import"),
            path(
                "questions/export/<str:fmt>/",
                question_export_view,
                name="question_export",
            ),
            path(
                "questions/template/", question_template_view, name="question_template"
            ),
        ]


class CompetenceGroup(ViewSetGroup):
    menu_label = gettext_lazy("Competence")
    menu_icon = "pick"
    menu_order = 250
    items = (
        QuestionViewSet,
        QuestionCategoryViewSet,
        QuizViewSet,
        FrameworkViewSet("frameworks"),
        CompetencyViewSet("competencies"),
        CompetenceIOViewSet(),
    )


@hooks.register("register_admin_viewset")
def register_competence_viewsets():
    return CompetenceGroup()
