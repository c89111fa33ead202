"""Settings for the test suite: the real settings, honouring DATABASE_URL, REDIS_URL and
CELERY_BROKER_URL, with a fixed key, fast hashing and in-process tasks by default."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-key-" + "x" * 50)
os.environ.setdefault("ENV_FILE", "")

from .base import *  # noqa: E402,F403
from .base import DATABASES, STORAGES  # noqa: E402

# Persistent connections from live-server threads would block dropping the test DB.
DATABASES["default"]["CONN_MAX_AGE"] = 0
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Code under test runs tasks in-process; tests/cms/test_services.py sends to a real
# worker explicitly with send_task, which ignores this switch.
CELERY_TASK_ALWAYS_EAGER = True
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    # Each test run extracts H5P packages into a throw-away folder.
    "h5p": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
}
WHITENOISE_USE_FINDERS = True
SECURE_SSL_REDIRECT = False
AXES_ENABLED = True

# The audit log is append-only (a database trigger refuses UPDATE): the test runner
# must not serialise its rows and write them back between tests.
TEST_NON_SERIALIZED_APPS = ["audit"]
