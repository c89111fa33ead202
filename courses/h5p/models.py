"""H5P packages as stored: one row per uploaded file, its files extracted to their
own folder. The lesson pages above refer to a package by its id (the H5P block);
nothing here knows about pages."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class H5PPackage(models.Model):
    """An uploaded H5P package, validated and extracted to its own folder in the "h5p"
    storage (served only by the access-checked view). The same file uploaded again
    (same checksum) is this package again."""

    title = models.CharField(_("title"), max_length=255)
    main_library = models.CharField(_("main library"), max_length=255)
    libraries = models.JSONField(_("libraries"), default=list)
    language = models.CharField(_("language"), max_length=16, blank=True)
    checksum = models.CharField(_("checksum (SHA-256)"), max_length=64, unique=True)
    folder = models.CharField(_("folder"), max_length=255, unique=True)
    file_count = models.PositiveIntegerField(_("files"), default=0)
    total_bytes = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("H5P package")
        verbose_name_plural = _("H5P packages")

    def __str__(self) -> str:
        return self.title

    @property
    def library_list(self) -> str:
        return ", ".join(self.libraries)


class H5PInstalledLibrary(models.Model):
    """A library (its code: JavaScript, CSS, svg) that a site administrator has
    installed by uploading a package that brings it. Editors' packages may use only
    libraries installed here, byte for byte (the checksum covers every file of the
    library folder); a new or changed library is refused (courses.h5p.services)."""

    folder = models.CharField(_("library"), max_length=255, unique=True)
    machine_name = models.CharField(_("machine name"), max_length=255)
    major_version = models.PositiveIntegerField(_("major version"))
    minor_version = models.PositiveIntegerField(_("minor version"))
    patch_version = models.PositiveIntegerField(_("patch version"))
    checksum = models.CharField(_("checksum (SHA-256)"), max_length=64)
    installed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("installed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    installed_at = models.DateTimeField(_("installed at"), auto_now=True)

    class Meta:
        ordering = ["folder"]
        verbose_name = _("installed H5P library")
        verbose_name_plural = _("installed H5P libraries")

    def __str__(self) -> str:
        return f"{self.folder} ({self.version})"

    @property
    def version(self) -> str:
        return f"{self.major_version}.{self.minor_version}.{self.patch_version}"
