"""The Copier source template: a generated source passes its own tests, and updates merge.

Each test works in a scratch copy of the repository (git-tracked plus untracked-but-not-ignored
files, without .venv/.data) that is committed and tagged there, exactly as a developer's clone
would be. The generated source runs with the repository's existing virtualenv and the scratch
source directory on ``PYTHONPATH`` (no install, no network).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SOURCE = "acme_demo"
ANSWERS = f"sources/{SOURCE}/.copier-answers.yml"
EXCLUDED_TOP = {".venv", ".data", ".git"}
GIT_ENV = {
    "GIT_AUTHOR_NAME": "template-test",
    "GIT_AUTHOR_EMAIL": "template-test@example.invalid",
    "GIT_COMMITTER_NAME": "template-test",
    "GIT_COMMITTER_EMAIL": "template-test@example.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: int = 600) -> str:
    proc = subprocess.run(
        args,
        cwd=cwd,
        env={**os.environ, **GIT_ENV, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert proc.returncode == 0, f"{' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def _git(repo: Path, *args: str) -> str:
    return _run(["git", *args], repo)


def _copier(repo: Path, *args: str) -> str:
    return _run([sys.executable, "-m", "copier", *args], repo)


def _repo_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [p for p in listed.split("\0") if p and p.split("/", 1)[0] not in EXCLUDED_TOP]


def _scratch_repo(root: Path) -> Path:
    repo = root / "repo"
    for relpath in _repo_files():
        source = REPO / relpath
        if source.is_file():
            target = repo / relpath
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    # A leftover generated demo source in the real repo would be copied too; start clean.
    shutil.rmtree(repo / "sources" / SOURCE, ignore_errors=True)
    shutil.rmtree(repo / "transforms/models/staging" / SOURCE, ignore_errors=True)
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "scratch copy of the monorepo")
    _git(repo, "tag", "v0.1.0")
    return repo


def _generate(repo: Path) -> None:
    _copier(
        repo,
        "copy",
        "--trust",
        "--defaults",
        "--data",
        f"source_name={SOURCE}",
        "--data",
        "source_title=Acme Demo",
        "--data",
        "example_entity=widget",
        ".",
        ".",
    )


def _run_generated_tests(repo: Path) -> str:
    return _run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"sources/{SOURCE}"],
        repo,
        env={"PYTHONPATH": str(repo / "sources" / SOURCE)},
    )


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scratch repository with ``acme_demo`` generated from tag v0.1.0."""
    repo = _scratch_repo(tmp_path_factory.mktemp("template"))
    _generate(repo)
    return repo


def test_copy_generates_the_source_layout(generated: Path) -> None:
    source = generated / "sources" / SOURCE
    for relpath in (
        ".copier-answers.yml",
        "pyproject.toml",
        "meltano.yml",
        "Dockerfile",
        "tap_acme_demo/tap.py",
        "tap_acme_demo/client.py",
        "tap_acme_demo/streams.py",
        "tap_acme_demo/schemas/widgets.json",
        "acme_demo_sandbox/app.py",
        "tests/test_tap.py",
    ):
        assert (source / relpath).is_file(), relpath
    staging = generated / "transforms/models/staging" / SOURCE
    assert (staging / "_acme_demo__sources.yml").is_file()
    assert (staging / "stg_acme_demo__widgets.sql").is_file()
    # Nothing outside the two generated folders is touched (template/README.md is excluded).
    changed = {line[3:].strip() for line in _git(generated, "status", "--porcelain").splitlines()}
    assert changed == {f"sources/{SOURCE}/", f"transforms/models/staging/{SOURCE}/"}
    answers = (generated / ANSWERS).read_text()
    assert "_commit: v0.1.0" in answers
    assert "source_name: acme_demo" in answers
    meltano = (source / "meltano.yml").read_text()
    for expected in (
        "name: tap-acme-demo\n",
        "pip_url: -e ./sources/acme_demo",
        "inherit_from: tap-acme-demo",
        "- tap-acme-demo target-bronze",
        "- tap-acme-demo--full target-bronze",
        'interval: "@hourly"',
        'interval: "@daily"',
        "sensitive: true",
    ):
        assert expected in meltano, expected


def test_generated_source_passes_its_own_tests(generated: Path) -> None:
    output = _run_generated_tests(generated)
    assert " passed" in output
    assert "failed" not in output


def test_generated_source_joins_the_uv_workspace(generated: Path) -> None:
    uv = shutil.which("uv")
    assert uv, "uv is needed (the repository's setup command installs it)"
    _run([uv, "lock", "--offline"], generated)
    lock = (generated / "uv.lock").read_text()
    assert 'name = "acme-source-acme-demo"' in lock
    assert 'source = { editable = "sources/acme_demo" }' in lock


def test_generated_source_is_lint_clean(generated: Path) -> None:
    ruff = [sys.executable, "-m", "ruff"]
    _run([*ruff, "check", f"sources/{SOURCE}"], generated)
    _run([*ruff, "format", "--check", f"sources/{SOURCE}"], generated)


@pytest.mark.parametrize("auth_style", ["basic", "header"])
def test_other_auth_styles_render_lint_clean_and_authenticate(generated: Path, auth_style: str) -> None:
    """The bearer variant is fully tested above; these check the other two auth paths."""
    target = generated / f"render_{auth_style}"
    _copier(
        generated,
        "copy",
        "--defaults",
        "--vcs-ref",
        "v0.1.0",
        "--data",
        f"source_name=demo_{auth_style}",
        "--data",
        f"auth_style={auth_style}",
        ".",
        str(target),
    )
    source = target / "sources" / f"demo_{auth_style}"
    ruff = [sys.executable, "-m", "ruff"]
    _run([*ruff, "check", str(source)], generated)
    _run([*ruff, "format", "--check", str(source)], generated)
    output = _run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(source / "tests" / "test_resilience.py")],
        generated,
        env={"PYTHONPATH": str(source)},
    )
    assert " passed" in output


def test_stripe_keeps_the_template_owned_modules_as_generated(generated: Path, tmp_path: Path) -> None:
    """sources/stripe was generated from this template; its template-owned files must still match."""
    rendered = tmp_path / "rendered"
    answers = "sources/stripe/.copier-answers.yml"
    _copier(generated, "copy", "--defaults", "--vcs-ref", "v0.1.0", "--data-file", answers, ".", str(rendered))
    for relpath in ("base.py", "settings.py", "throttle.py", "logs.py"):
        ours = (generated / "sources/stripe/tap_stripe" / relpath).read_text()
        template = (rendered / "sources/stripe/tap_stripe" / relpath).read_text()
        assert ours == template, f"sources/stripe/tap_stripe/{relpath} drifted from the template"
    assert (rendered / "sources/stripe/Dockerfile").read_text() == (generated / "sources/stripe/Dockerfile").read_text()


def test_update_carries_a_template_change_and_keeps_local_edits(generated: Path) -> None:
    repo = generated
    source = repo / "sources" / SOURCE
    streams = source / "tap_acme_demo" / "streams.py"
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "add acme_demo from the template")

    # A developer edits the generated source ...
    local_edit = "\n\n# local edit: acme_demo keeps this line across template updates\n"
    streams.write_text(streams.read_text() + local_edit)
    _git(repo, "commit", "-qam", "acme_demo: local edit")

    # ... while the template moves on (a new tagged version).
    template_pkg = repo / "template/sources/{{source_name}}/tap_{{source_name}}"
    throttle = template_pkg / "throttle.py"
    throttle.write_text(throttle.read_text() + "\n\nTEMPLATE_MARKER = 2  # added in v0.2.0\n")
    streams_tpl = template_pkg / "streams.py.jinja"
    text = streams_tpl.read_text()
    streams_tpl.write_text(text.replace("streams. Each declares", "streams (template v0.2.0). Each declares", 1))
    _git(repo, "commit", "-qam", "template: v0.2.0")
    _git(repo, "tag", "v0.2.0")

    _copier(repo, "update", "--trust", "--defaults", "--skip-answered", "-a", ANSWERS)

    assert "TEMPLATE_MARKER = 2" in (source / "tap_acme_demo" / "throttle.py").read_text()
    updated = streams.read_text()
    assert "streams (template v0.2.0). Each declares" in updated
    assert "local edit: acme_demo keeps this line" in updated
    assert "<<<<<<<" not in updated
    assert not list(source.rglob("*.rej"))
    assert "_commit: v0.2.0" in (repo / ANSWERS).read_text()
    # The updated source still passes its own tests.
    assert " passed" in _run_generated_tests(repo)
