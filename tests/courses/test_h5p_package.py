"""Reading, validating and extracting .h5p packages, and the CivicCheck packages the
project builds itself. Hostile packages must be refused with a message naming the
member and the rule, and a refused or failed extraction must leave nothing."""

import hashlib
import io
import json
import os
import stat
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, InMemoryStorage
from django.core.files.uploadedfile import SimpleUploadedFile

from courses.h5p.civiccheck import civiccheck_package
from courses.h5p.package import (
    H5PLibrary,
    H5PManifest,
    H5PPackageError,
    h5p_checksum,
    h5p_extract,
    h5p_validate,
)
from tests.h5p_builder import (
    LIBRARY,
    as_file,
    build_h5p,
    library_json,
    manifest,
    minimal_members,
)

PREFIX = "packages/abc123"


def civic(**changes) -> bytes:
    values = {
        "title": "窗口受理",
        "language": "zh-hans",
        "question": "受理申请前应当做什么？",
        "options": ["直接受理", "对照办事指南核对材料", "让群众再跑一次"],
        "correct": 1,
        "feedback_right": "对。",
        "feedback_wrong": "请再看一遍办事指南。",
    }
    values.update(changes)
    return civiccheck_package(**values)


def with_members(**changes) -> bytes:
    """minimal_members() with members replaced (value None removes one)."""
    members = minimal_members()
    for name, value in changes.items():
        if value is None:
            members.pop(name, None)
        else:
            members[name] = value
    return build_h5p(members)


def stored_files(storage, path="") -> list[str]:
    try:
        folders, files = storage.listdir(path)
    except FileNotFoundError:
        return []
    found = [f"{path}/{name}".lstrip("/") for name in files]
    for folder in folders:
        found += stored_files(storage, f"{path}/{folder}".lstrip("/"))
    return sorted(found)


def refused(data: bytes, code: str, member: str | None = None) -> H5PPackageError:
    """Refused by both h5p_validate and h5p_extract, with nothing stored."""
    with pytest.raises(H5PPackageError) as validated:
        h5p_validate(as_file(data))
    storage = InMemoryStorage()
    with pytest.raises(H5PPackageError) as extracted:
        h5p_extract(as_file(data), storage=storage, prefix=PREFIX)
    assert stored_files(storage) == []
    error = validated.value
    assert (error.code, error.member) == (code, member), error.message
    assert (extracted.value.code, extracted.value.member) == (code, member)
    if member is not None:
        shown = member.replace("\x00", "\\x00").replace("\n", "\\x0a")
        assert error.message.startswith(f"{shown or '(entry without a name)'}: ")
    return error


# Valid packages -----------------------------------------------------------------------


def test_civiccheck_package_validates():
    found = h5p_validate(as_file(civic()))

    assert isinstance(found, H5PManifest)
    assert found.title == "窗口受理"
    assert found.language == "zh-hans"
    assert found.main_library == "H5P.CivicCheck"
    assert found.main_library_folder == "H5P.CivicCheck-1.0"
    assert found.embed_types == ("div",)
    assert found.libraries == (
        H5PLibrary(
            machine_name="H5P.CivicCheck",
            major=1,
            minor=0,
            patch=0,
            title="Civic check",
            folder="H5P.CivicCheck-1.0",
            preloaded_js=("civiccheck.js",),
            preloaded_css=("civiccheck.css",),
            dependencies=(),
        ),
    )
    assert found.checksum == hashlib.sha256(civic()).hexdigest()
    assert found.file_count == 5
    assert found.total_bytes > 0


def test_civiccheck_package_content():
    with zipfile.ZipFile(io.BytesIO(civic())) as archive:
        names = archive.namelist()
        manifest_json = json.loads(archive.read("h5p.json"))
        content = json.loads(archive.read("content/content.json"))
        library = json.loads(archive.read("H5P.CivicCheck-1.0/library.json"))

    assert names == [
        "h5p.json",
        "content/content.json",
        "H5P.CivicCheck-1.0/civiccheck.css",
        "H5P.CivicCheck-1.0/civiccheck.js",
        "H5P.CivicCheck-1.0/library.json",
    ]
    assert manifest_json["mainLibrary"] == "H5P.CivicCheck"
    assert manifest_json["embedTypes"] == ["div"]
    assert manifest_json["preloadedDependencies"] == [
        {"machineName": "H5P.CivicCheck", "majorVersion": 1, "minorVersion": 0}
    ]
    assert content["question"] == "受理申请前应当做什么？"
    assert content["options"][1] == "对照办事指南核对材料"
    assert content["correct"] == 1
    assert content["feedback"] == {"right": "对。", "wrong": "请再看一遍办事指南。"}
    assert content["l10n"]["check"] == "检查答案"
    assert library["preloadedJs"] == [{"path": "civiccheck.js"}]


def test_civiccheck_labels_follow_the_content_language():
    with zipfile.ZipFile(io.BytesIO(civic(language="en"))) as archive:
        content = json.loads(archive.read("content/content.json"))
    assert content["l10n"] == {
        "check": "Check",
        "right": "Correct!",
        "wrong": "Not quite.",
        "retry": "Try again",
    }


def test_civiccheck_labels_can_be_overridden():
    data = civic(language="en", l10n={"check": "Submit"})
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        content = json.loads(archive.read("content/content.json"))
    assert content["l10n"]["check"] == "Submit"
    assert content["l10n"]["retry"] == "Try again"
    with pytest.raises(ValueError):
        civic(l10n={"cancel": "No"})


def test_civiccheck_script_keeps_the_answer_out_of_the_page():
    with zipfile.ZipFile(io.BytesIO(civic())) as archive:
        script = archive.read("H5P.CivicCheck-1.0/civiccheck.js").decode()
    assert "H5P.CivicCheck = (function ($, EventDispatcher)" in script
    assert "this.triggerXAPIScored(score, 1, 'answered', true, score === 1)" in script
    assert "previousState" in script
    for method in ("getScore", "getMaxScore", "getAnswerGiven", "resetTask"):
        assert f"CivicCheck.prototype.{method} = function" in script
    assert "data-correct" not in script
    assert "XMLHttpRequest" not in script and "fetch(" not in script


def test_civiccheck_package_is_deterministic():
    assert civic() == civic()
    assert civic(correct=2) != civic()
    with zipfile.ZipFile(io.BytesIO(civic())) as archive:
        assert {info.date_time for info in archive.infolist()} == {
            (1980, 1, 1, 0, 0, 0)
        }


@pytest.mark.parametrize(
    "changes",
    [
        {"title": ""},
        {"title": "x" * 256},
        {"options": ["only one"]},
        {"options": ["a", " "]},
        {"correct": 3},
        {"correct": -1},
        {"question": ""},
        {"language": "zh hans"},
    ],
)
def test_civiccheck_package_refuses_bad_input(changes):
    with pytest.raises(ValueError):
        civic(**changes)


def test_valid_package_extracts_to_the_expected_paths():
    storage = InMemoryStorage()
    data = civic()

    found = h5p_extract(as_file(data), storage=storage, prefix=PREFIX)

    assert found == h5p_validate(as_file(data))
    assert stored_files(storage) == [
        f"{PREFIX}/H5P.CivicCheck-1.0/civiccheck.css",
        f"{PREFIX}/H5P.CivicCheck-1.0/civiccheck.js",
        f"{PREFIX}/H5P.CivicCheck-1.0/library.json",
        f"{PREFIX}/content/content.json",
        f"{PREFIX}/h5p.json",
    ]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            with storage.open(f"{PREFIX}/{name}", "rb") as stored:
                assert stored.read() == archive.read(name)


def test_extracts_to_the_file_system(tmp_path):
    storage = FileSystemStorage(location=tmp_path)

    h5p_extract(as_file(build_h5p(minimal_members())), storage=storage, prefix=PREFIX)

    assert (tmp_path / PREFIX / "h5p.json").is_file()
    assert (tmp_path / PREFIX / LIBRARY / "demo.js").read_text().startswith("H5P.Demo")
    assert json.loads((tmp_path / PREFIX / "content" / "content.json").read_text()) == {
        "text": "Hello"
    }


def test_hidden_and_macos_members_are_skipped():
    members = {
        **minimal_members(),
        "__MACOSX/content/._content.json": b"\x00\x05\x16\x07",
        ".DS_Store": b"\x00\x00\x00\x01Bud1",
        "content/.DS_Store": b"junk",
        f"{LIBRARY}/_build/notes.exe": b"MZ",
        "__MACOSX/": b"",
    }
    storage = InMemoryStorage()

    found = h5p_extract(as_file(build_h5p(members)), storage=storage, prefix=PREFIX)

    assert found.file_count == 5
    assert stored_files(storage) == sorted(
        f"{PREFIX}/{name}" for name in minimal_members()
    )


def test_directory_entries_and_uploaded_files_are_fine():
    members = {"content/": b"", f"{LIBRARY}/": b"", **minimal_members()}
    upload = SimpleUploadedFile("demo.h5p", build_h5p(members))
    assert h5p_validate(upload).file_count == 5


def test_checksum_is_stable_and_rewinds():
    data = civic()
    stream = as_file(data)
    stream.seek(17)

    first = h5p_checksum(stream)

    assert stream.tell() == 0
    assert first == h5p_checksum(stream) == hashlib.sha256(data).hexdigest()
    assert h5p_validate(ContentFile(data)).checksum == first


def test_library_dependencies_are_followed():
    members = minimal_members()
    members[f"{LIBRARY}/library.json"] = library_json(
        preloadedDependencies=[
            {"machineName": "H5P.Helper", "majorVersion": "2", "minorVersion": "1"}
        ]
    )
    members["H5P.Helper-2.1/library.json"] = library_json(
        machineName="H5P.Helper",
        majorVersion=2,
        minorVersion=1,
        title="Helper",
        preloadedJs=[],
        preloadedCss=None,
    )

    found = h5p_validate(as_file(build_h5p(members)))

    assert [library.folder for library in found.libraries] == [
        "H5P.Demo-1.0",
        "H5P.Helper-2.1",
    ]
    assert found.libraries[0].dependencies == ("H5P.Helper-2.1",)


# Hostile names ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("../evil.js", "path traversal"),
        ("content/../../x.json", "path traversal"),
        ("content/./a.json", "path traversal"),
        ("/etc/x", "absolute paths"),
        ("content\\a.json", "backslashes"),
        ("..\\..\\evil.js", "backslashes"),
        ("C:/x", "drive letters"),
        ("c:x.json", "drive letters"),
        ("content/a\x00.json", "NUL bytes"),
        ("content/a\nb.json", "control characters"),
        ("content//a.json", "empty path segments"),
        ("", "without a name"),
    ],
)
def test_unsafe_names_are_refused(name, rule):
    error = refused(build_h5p({**minimal_members(), name: b"{}"}), "unsafe_path", name)
    assert rule in error.problem
    assert "\x00" not in error.message


def test_unsafe_names_are_refused_even_where_skipped():
    refused(
        build_h5p({**minimal_members(), "__MACOSX/../../x": b""}),
        "unsafe_path",
        "__MACOSX/../../x",
    )


def test_symlinks_are_refused():
    data = build_h5p(minimal_members(), symlinks={"content/passwd.txt": "/etc/passwd"})
    error = refused(data, "symlink", "content/passwd.txt")
    assert "symbolic links" in error.message


def test_special_files_are_refused():
    data = build_h5p(
        minimal_members(), special={"content/pipe.txt": stat.S_IFIFO | 0o644}
    )
    refused(data, "special_file", "content/pipe.txt")


def test_duplicate_names_are_refused():
    items = [*minimal_members().items(), ("content/content.json", {"text": "Evil"})]
    error = refused(build_h5p(items), "duplicate", "content/content.json")
    assert "more than once" in error.message


def test_names_differing_only_in_case_are_refused():
    members = {**minimal_members(), "content/Content.JSON": {"text": "Evil"}}
    refused(build_h5p(members), "duplicate", "content/Content.JSON")


# Sizes and zip bombs ------------------------------------------------------------------


def test_zip_bomb_is_refused_by_ratio(settings):
    settings.H5P_MAX_RATIO = 20
    settings.H5P_MAX_TOTAL_BYTES = 500 * 1024 * 1024
    data = build_h5p(
        {**minimal_members(), "content/zeros.txt": bytes(50 * 1024 * 1024)}
    )
    assert len(data) < 200 * 1024

    error = refused(data, "zip_bomb", "content/zeros.txt")

    assert "20 times" in error.message


def test_zip_bomb_is_refused_by_total_size(settings):
    settings.H5P_MAX_RATIO = 10_000
    settings.H5P_MAX_TOTAL_BYTES = 10 * 1024 * 1024
    data = build_h5p(
        {**minimal_members(), "content/zeros.txt": bytes(50 * 1024 * 1024)}
    )

    error = refused(data, "too_large", "content/zeros.txt")

    assert "10.0" in error.message


def test_incompressible_content_counts_against_the_total(settings):
    settings.H5P_MAX_TOTAL_BYTES = 1024 * 1024
    noise = os.urandom(600 * 1024)
    members = {**minimal_members(), "content/a.mp3": noise, "content/b.mp3": noise}
    refused(
        build_h5p(members, compression=zipfile.ZIP_STORED), "too_large", "content/b.mp3"
    )


def test_headers_understating_sizes_do_not_help(settings):
    data = build_h5p(
        {**minimal_members(), "content/zeros.txt": bytes(5 * 1024 * 1024)},
        declared_sizes={"content/zeros.txt": 100},
    )
    error = refused(data, "damaged", "content/zeros.txt")
    assert "damaged" in error.message


def test_headers_overstating_sizes_are_refused_early(settings):
    settings.H5P_MAX_TOTAL_BYTES = 1024 * 1024
    data = build_h5p(
        {**minimal_members(), "content/a.txt": b"small"},
        declared_sizes={"content/a.txt": 4 * 1024 * 1024},
    )
    refused(data, "too_large", "content/a.txt")


def test_too_many_files_are_refused(settings):
    settings.H5P_MAX_FILES = 8
    members = {**minimal_members(), **{f"content/{i}.txt": "x" for i in range(4)}}

    error = refused(build_h5p(members), "too_many_files")

    assert "9 entries" in error.message and "8" in error.message
    settings.H5P_MAX_FILES = 9
    assert h5p_validate(as_file(build_h5p(members))).file_count == 9


def test_oversize_upload_is_refused(settings):
    data = build_h5p(minimal_members())
    settings.H5P_MAX_UPLOAD_BYTES = len(data) - 1

    error = refused(data, "upload_too_large")

    assert "at most" in error.message
    with pytest.raises(H5PPackageError):
        h5p_validate(SimpleUploadedFile("big.h5p", data))  # .size, not seeking
    settings.H5P_MAX_UPLOAD_BYTES = len(data)
    assert h5p_validate(as_file(data)).file_count == 5


# File types and places ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("content/evil.js", "files of type .js are not allowed in content/"),
        ("content/tool.exe", "files of type .exe are not allowed in content/"),
        ("content/shell.php", "files of type .php are not allowed in content/"),
        ("content/page.HTML", "files of type .html are not allowed in content/"),
        ("content/image.svg", "files of type .svg are not allowed in content/"),
        ("content/README", "files without an extension are not allowed in content/"),
        (f"{LIBRARY}/shell.php", "files of type .php are not allowed in a library"),
    ],
)
def test_disallowed_file_types_are_refused(name, rule):
    error = refused(build_h5p({**minimal_members(), name: b"x"}), "file_type", name)
    assert error.message == f"{name}: {rule}" or error.message.startswith(
        f"{name}: {rule}"
    )


def test_library_folders_may_hold_scripts_and_images():
    members = {
        **minimal_members(),
        f"{LIBRARY}/icon.svg": "<svg/>",
        f"{LIBRARY}/lang/zh.json": "{}",
        "content/images/photo.JPG": b"\xff\xd8",
    }
    assert h5p_validate(as_file(build_h5p(members))).file_count == 8


def test_only_h5p_json_at_the_top_level():
    error = refused(
        with_members(**{"index.html": "<script>"}), "misplaced_file", "index.html"
    )
    assert "only h5p.json" in error.message


@pytest.mark.parametrize(
    "folder", ["H5P.Demo-1", "H5P.Demo", "H5P Demo-1.0", "scripts"]
)
def test_badly_named_folders_are_refused(folder):
    name = f"{folder}/library.json"
    error = refused(with_members(**{name: library_json()}), "bad_folder", name)
    assert "machineName-major.minor" in error.message


# Manifest and content -----------------------------------------------------------------


def test_missing_h5p_json_is_refused():
    error = refused(with_members(**{"h5p.json": None}), "missing_file", "h5p.json")
    assert "missing" in error.message


def test_missing_content_json_is_refused():
    refused(
        with_members(**{"content/content.json": None}),
        "missing_file",
        "content/content.json",
    )


@pytest.mark.parametrize("member", ["h5p.json", "content/content.json"])
@pytest.mark.parametrize(
    "text", ["{not json", '["a list"]', "", '{"a": NaN}', b"\xff\xfe{}"]
)
def test_invalid_json_is_refused(member, text):
    error = refused(with_members(**{member: text}), "bad_json", member)
    assert error.message.startswith(f"{member}: ")


def test_json_with_a_byte_order_mark_is_fine():
    members = {
        **minimal_members(),
        "h5p.json": b"\xef\xbb\xbf" + json.dumps(manifest()).encode(),
    }
    assert h5p_validate(as_file(build_h5p(members))).title == "Demo"


@pytest.mark.parametrize("title", ["", "   ", "x" * 256, 42, None])
def test_bad_titles_are_refused(title):
    data = with_members(**{"h5p.json": {**manifest(), "title": title}})
    error = refused(data, "bad_manifest", "h5p.json")
    assert "title" in error.message


def test_title_of_255_characters_is_fine():
    data = with_members(**{"h5p.json": manifest(title="题" * 255)})
    assert h5p_validate(as_file(data)).title == "题" * 255


@pytest.mark.parametrize("embed_types", [[], ["frame"], ["div", "script"], "div", None])
def test_bad_embed_types_are_refused(embed_types):
    data = with_members(**{"h5p.json": {**manifest(), "embedTypes": embed_types}})
    error = refused(data, "bad_manifest", "h5p.json")
    assert "embedTypes" in error.message


@pytest.mark.parametrize("language", ["", None, 7, "en_US!"])
def test_bad_languages_are_refused(language):
    data = with_members(**{"h5p.json": {**manifest(), "language": language}})
    refused(data, "bad_manifest", "h5p.json")


def test_main_library_must_be_a_preloaded_dependency():
    data = with_members(**{"h5p.json": manifest(mainLibrary="H5P.Other")})
    error = refused(data, "bad_manifest", "h5p.json")
    assert "H5P.Other" in error.message


@pytest.mark.parametrize(
    "dependencies",
    [
        "H5P.Demo 1.0",
        [{"machineName": "H5P.Demo", "majorVersion": 1}],
        [{"machineName": "H5P.Demo", "majorVersion": True, "minorVersion": 0}],
        [{"machineName": "H5P Demo", "majorVersion": 1, "minorVersion": 0}],
        ["H5P.Demo"],
        None,
    ],
)
def test_bad_dependency_lists_are_refused(dependencies):
    data = with_members(
        **{"h5p.json": {**manifest(), "preloadedDependencies": dependencies}}
    )
    refused(data, "bad_dependencies", "h5p.json")


# Libraries ----------------------------------------------------------------------------


def test_missing_library_json_is_refused():
    name = f"{LIBRARY}/library.json"
    refused(with_members(**{name: None}), "missing_file", name)


def test_library_folder_must_match_its_library():
    name = f"{LIBRARY}/library.json"
    data = with_members(**{name: library_json(machineName="H5P.Other")})
    error = refused(data, "bad_library", name)
    assert "H5P.Other-1.0" in error.message


def test_library_version_must_match_its_folder():
    name = f"{LIBRARY}/library.json"
    refused(with_members(**{name: library_json(minorVersion=2)}), "bad_library", name)


@pytest.mark.parametrize(
    "changes",
    [
        {"title": None},
        {"patchVersion": None},
        {"patchVersion": "1.2"},
        {"machineName": None},
        {"preloadedJs": "demo.js"},
        {"preloadedCss": [{"file": "demo.css"}]},
        {"preloadedJs": [{"path": "../content/content.json"}]},
    ],
)
def test_bad_library_json_is_refused(changes):
    name = f"{LIBRARY}/library.json"
    refused(with_members(**{name: library_json(**changes)}), "bad_library", name)


def test_invalid_library_json_is_refused():
    name = f"{LIBRARY}/library.json"
    refused(with_members(**{name: "{oops"}), "bad_json", name)


def test_preloaded_files_must_be_present():
    name = f"{LIBRARY}/library.json"
    error = refused(with_members(**{f"{LIBRARY}/demo.js": None}), "missing_file", name)
    assert "demo.js" in error.message


def test_missing_preloaded_dependency_of_the_package_is_refused():
    dependencies = [
        *manifest()["preloadedDependencies"],
        {"machineName": "H5P.Missing", "majorVersion": 1, "minorVersion": 2},
    ]
    data = with_members(**{"h5p.json": manifest(preloadedDependencies=dependencies)})
    error = refused(data, "missing_dependency", "h5p.json")
    assert "H5P.Missing-1.2" in error.message


def test_missing_preloaded_dependency_of_a_library_is_refused():
    name = f"{LIBRARY}/library.json"
    library = library_json(
        preloadedDependencies=[
            {"machineName": "FontAwesome", "majorVersion": 4, "minorVersion": 5}
        ]
    )
    error = refused(with_members(**{name: library}), "missing_dependency", name)
    assert "FontAwesome-4.5" in error.message


def test_main_library_folder_must_be_present():
    members = {
        name: value for name, value in minimal_members().items() if LIBRARY not in name
    }
    refused(build_h5p(members), "missing_dependency", "h5p.json")


# Not a package at all -----------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"%PDF-1.7 not a zip",
        b"PK\x03\x04" + b"\x00" * 40,
    ],
)
def test_non_zip_files_are_refused(data):
    error = refused(data, "not_zip")
    assert "not a valid zip archive" in error.message


def test_truncated_zip_is_refused():
    data = civic()
    with pytest.raises(H5PPackageError) as error:
        h5p_validate(as_file(data[: len(data) // 2]))
    assert error.value.code == "not_zip"


def test_corrupt_member_is_refused():
    data = bytearray(civic())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("H5P.CivicCheck-1.0/civiccheck.js")
    start = info.header_offset + 30 + len(info.filename.encode())
    data[start + 100 : start + 140] = b"\x55" * 40

    error = refused(bytes(data), "damaged", "H5P.CivicCheck-1.0/civiccheck.js")

    assert "damaged" in error.message


# Extraction failures ------------------------------------------------------------------


class FailingStorage(InMemoryStorage):
    """Saves two files, then fails."""

    def __init__(self, fail_on: int = 3):
        super().__init__()
        self.fail_on = fail_on
        self.saves = 0

    def _save(self, name, content):
        self.saves += 1
        if self.saves == self.fail_on:
            raise OSError("disk full")
        return super()._save(name, content)


def test_failure_midway_leaves_nothing():
    storage = FailingStorage(fail_on=3)

    with pytest.raises(OSError, match="disk full"):
        h5p_extract(as_file(civic()), storage=storage, prefix=PREFIX)

    assert storage.saves == 3
    assert stored_files(storage) == []


def test_failure_midway_leaves_no_folders_on_disk(tmp_path, monkeypatch):
    storage = FileSystemStorage(location=tmp_path)
    real_save = FileSystemStorage._save
    calls = []

    def save(self, name, content):
        calls.append(name)
        if len(calls) == 4:
            raise OSError("disk full")
        return real_save(self, name, content)

    monkeypatch.setattr(FileSystemStorage, "_save", save)

    with pytest.raises(OSError):
        h5p_extract(as_file(civic()), storage=storage, prefix=PREFIX)

    assert list(tmp_path.rglob("*")) == [tmp_path / "packages"]


class RenamingStorage(InMemoryStorage):
    def get_available_name(self, name, max_length=None):
        return name.replace("content.json", "content_x1.json")


def test_renamed_member_is_an_error_and_cleaned_up():
    storage = RenamingStorage()

    with pytest.raises(H5PPackageError) as error:
        h5p_extract(as_file(civic()), storage=storage, prefix=PREFIX)

    assert error.value.code == "storage_collision"
    assert error.value.member == "content/content.json"
    assert stored_files(storage) == []


def test_extraction_into_a_used_folder_is_refused_untouched():
    storage = InMemoryStorage()
    storage.save(f"{PREFIX}/h5p.json", ContentFile(b"keep me"))

    with pytest.raises(ValueError):
        h5p_extract(as_file(civic()), storage=storage, prefix=PREFIX)

    assert stored_files(storage) == [f"{PREFIX}/h5p.json"]
    assert storage.open(f"{PREFIX}/h5p.json").read() == b"keep me"


def test_empty_folders_left_under_the_prefix_are_fine(tmp_path):
    (tmp_path / PREFIX / "content").mkdir(parents=True)
    storage = FileSystemStorage(location=tmp_path)

    h5p_extract(as_file(civic()), storage=storage, prefix=PREFIX)

    assert (tmp_path / PREFIX / "content" / "content.json").is_file()


def test_extraction_needs_a_prefix():
    with pytest.raises(ValueError):
        h5p_extract(as_file(civic()), storage=InMemoryStorage(), prefix="/")
