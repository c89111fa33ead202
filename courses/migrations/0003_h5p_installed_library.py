# Installed H5P libraries (issue #15): only site administrators install or update
# library code. The libraries of packages already uploaded count as installed, as
# their files are (the first package holding a library, by upload time, wins).

import json

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def record_installed_libraries(apps, schema_editor):
    from django.core.files.storage import storages

    from courses.h5p.services import library_checksum

    Package = apps.get_model("courses", "H5PPackage")
    Library = apps.get_model("courses", "H5PInstalledLibrary")
    storage = storages["h5p"]
    for package in Package.objects.order_by("created_at"):
        for folder in package.libraries:
            if Library.objects.filter(folder=folder).exists():
                continue
            path = f"{package.folder}/{folder}"
            if not storage.exists(f"{path}/library.json"):
                continue
            with storage.open(f"{path}/library.json", "rb") as handle:
                info = json.loads(handle.read())
            Library.objects.create(
                folder=folder,
                machine_name=info["machineName"],
                major_version=info["majorVersion"],
                minor_version=info["minorVersion"],
                patch_version=info["patchVersion"],
                checksum=library_checksum(storage, path),
                installed_by_id=package.uploaded_by_id,
            )


class Migration(migrations.Migration):

    dependencies = [
        ('courses', '0002_h5p'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='H5PInstalledLibrary',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('folder', models.CharField(max_length=255, unique=True, verbose_name='library')),
                ('machine_name', models.CharField(max_length=255, verbose_name='machine name')),
                ('major_version', models.PositiveIntegerField(verbose_name='major version')),
                ('minor_version', models.PositiveIntegerField(verbose_name='minor version')),
                ('patch_version', models.PositiveIntegerField(verbose_name='patch version')),
                ('checksum', models.CharField(max_length=64, verbose_name='checksum (SHA-256)')),
                ('installed_at', models.DateTimeField(auto_now=True, verbose_name='installed at')),
                ('installed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='installed by')),
            ],
            options={
                'verbose_name': 'installed H5P library',
                'verbose_name_plural': 'installed H5P libraries',
                'ordering': ['folder'],
            },
        ),
        migrations.RunPython(record_installed_libraries, migrations.RunPython.noop),
    ]
