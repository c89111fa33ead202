"""factory_boy factories for competence: scales, frameworks, competencies, evidence."""

import factory
from django.utils import timezone

from assessments.models import (
    Competency,
    Evidence,
    Framework,
    ProficiencyScale,
    ScaleLevel,
)
from tests.factories import UserFactory


class ProficiencyScaleFactory(factory.django.DjangoModelFactory):
    """A scale with `levels` levels (default 4), numbered 1…n."""

    class Meta:
        model = ProficiencyScale
        django_get_or_create = ("code",)
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"S{n}")
    name = factory.Sequence(lambda n: f"Scale {n}")
    name_zh = factory.Sequence(lambda n: f"量表{n}")
    proficient_level = 3

    @factory.post_generation
    def levels(self, create, extracted, **kwargs):
        if not create:
            return
        count = 4 if extracted is None else extracted
        for value in range(1, count + 1):
            ScaleLevel.objects.get_or_create(
                scale=self,
                value=value,
                defaults={"name": f"Level {value}", "name_zh": f"{value}级"},
            )


class FrameworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Framework
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"FW{n}")
    name = factory.Sequence(lambda n: f"Framework {n}")
    name_zh = factory.Sequence(lambda n: f"框架{n}")
    version = "1.0"
    licence = "CC BY 4.0"
    attribution = "Test framework"
    scale = factory.SubFactory(ProficiencyScaleFactory)


class CompetencyFactory(factory.django.DjangoModelFactory):
    """Creates through treebeard so the tree stays valid; pass parent=… for a child.
    Without a parent it is an area (a root)."""

    class Meta:
        model = Competency

    parent = None
    framework = factory.LazyAttribute(
        lambda o: o.parent.framework if o.parent else FrameworkFactory()
    )
    code = factory.Sequence(lambda n: f"C{n:04d}")
    name = factory.Sequence(lambda n: f"Competency {n}")
    name_zh = factory.Sequence(lambda n: f"能力{n}")
    description = ""
    description_zh = ""
    validity_months = None

    @classmethod
    def _create(cls, model_class, *args, parent=None, **kwargs):
        if parent is not None:
            parent.refresh_from_db()
            return parent.add_child(instance=model_class(**kwargs))
        return model_class.add_root(instance=model_class(**kwargs))


class EvidenceFactory(factory.django.DjangoModelFactory):
    """A raw evidence row, written WITHOUT updating the current level: use
    assessments.services.evidence.evidence_record for the real path."""

    class Meta:
        model = Evidence

    learner = factory.SubFactory(UserFactory)
    competency = factory.SubFactory(CompetencyFactory)
    level = 1
    kind = Evidence.Kind.QUIZ
    observed_at = factory.LazyFunction(timezone.now)
