"""
The release artefacts and the Tutor build without a package index that has us.

`python -m build` makes the sdist and the wheel, and `twine check --strict` accepts both. Then the
path of `tutor images build openedx`, as far as it runs without Docker: the wheel is installed (with
pip, no checkout) into a virtualenv standing for Tutor's; the Tutor plugin there builds the wheel of
what is installed and hands it to Tutor, which puts it in the openedx build context; the Dockerfile
patch is rendered as tests/test_tutor_plugin.py renders patches, and its COPY and `pip install` run in
a fresh virtualenv standing for the image's python-requirements stage.

The network is closed to our name for that install: pip runs with `--no-index` and
`--find-links <build context>` and without this machine's pip configuration (PIP_CONFIG_FILE is
os.devnull, every PIP_* source variable unset), so nothing but the build context can provide
credentials-plugin; a control asks the same pip for `credentials-plugin==<version>` and must fail.
The dependencies come from this test virtualenv, through a folder of links to its site-packages
without our own package, added to the image virtualenv's sys.path by a .pth file: pip sees them as
installed, so it downloads nothing.
"""

import json
import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from credentials_plugin import __version__
from tests.test_packaging import ROOT, clean_environment, run
from tests.test_tutor_plugin import render
from tutor_credentials_plugin import patches, wheel

# One worker: the packaging tests also write into the checkout (build/, the egg-info).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("packaging")]

NOT_SOURCES = shutil.ignore_patterns(
    ".git", ".venv", ".venv-peer", "build", "dist", "*.egg-info", "__pycache__", ".tox"
)
OUR_TOP_LEVEL = ("credentials_plugin", "credentials-plugin", "tutor_credentials_plugin", "__editable__")

# Runs in the virtualenv standing for Tutor's, outside the checkout. It does what Tutor does with the
# plugin's hooks at `tutor config save` (tutor/env.py, save and Renderer.render_template): for each
# template target, every file of the template roots under its source goes to <env>/<destination>/,
# as bytes when IS_FILE_RENDERED declines it.
TUTOR_SAVE = """
import json, shutil, sys
from pathlib import Path

from tutor_credentials_plugin import patches, wheel

env = Path(sys.argv[1])
root = wheel.template_root()
written = []
for source, destination in patches.TEMPLATE_TARGETS:
    for path in sorted((root / source).rglob("*")):
        name = path.relative_to(root).as_posix()
        assert not patches.is_file_rendered(True, name), name  # a wheel is never a Jinja2 template
        target = env / destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        written.append(str(target.relative_to(env)))
print(json.dumps({
    "source_tree": str(wheel.source_tree()),
    "written": written,
    "pip_spec": patches.CONFIG_DEFAULTS["CREDENTIALS_PLUGIN_PIP_SPEC"],
}))
"""

PURELIB = "import sysconfig; print(sysconfig.get_paths()['purelib'])"

INSTALLED = """
import json, sysconfig
from importlib.metadata import distribution, entry_points

import credentials_plugin

print(json.dumps({
    "file": credentials_plugin.__file__,
    "version": distribution("credentials-plugin").version,
    "site_packages": sysconfig.get_paths()["purelib"],
    "lms": {ep.name: ep.value for ep in entry_points(group="lms.djangoapp")},
}))
"""


def closed_environment():
    """The clean environment without any pip source but the command line's, nor pip's config files."""
    env = {
        name: value
        for name, value in clean_environment().items()
        if name not in {"PIP_FIND_LINKS", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_NO_INDEX", "PIP_CONSTRAINT"}
    }
    env["PIP_CONFIG_FILE"] = os.devnull
    return env


def fails(command, **kwargs):
    """Run COMMAND, which must fail; return what it printed."""
    completed = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False, **kwargs)  # noqa: S603
    assert completed.returncode != 0, completed.stdout
    return completed.stdout + completed.stderr


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    # From a copy of the checkout: setuptools writes its scratch folders (the egg-info, the sdist's
    # release tree, build/) into the source tree, where another build running at the same time collides.
    source = tmp_path_factory.mktemp("source") / "credentials-plugin"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCES)
    # --no-isolation: the build backend of this virtualenv (setuptools), nothing downloaded.
    run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(source)],
        cwd=out,
        env=clean_environment(),
    )
    (sdist,) = out.glob("*.tar.gz")
    (built,) = out.glob("*.whl")
    return sdist, built


def test_build_makes_an_sdist_and_a_wheel_that_twine_accepts(artifacts):
    sdist, built = artifacts

    assert sdist.name == f"credentials_plugin-{__version__}.tar.gz"
    assert built.name == wheel.WHEEL_FILENAME
    output = run([sys.executable, "-m", "twine", "check", "--strict", str(sdist), str(built)], env=clean_environment())
    assert output.count("PASSED") == 2, output


def _contents(path):
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist() if not name.endswith(".dist-info/RECORD")}


def _dependencies_view(folder):
    """Links to this virtualenv's installed packages, ours left out (the image must get ours from the wheel)."""
    folder.mkdir()
    site_packages = Path(sysconfig.get_paths()["purelib"])
    for entry in site_packages.iterdir():
        if entry.name.startswith(OUR_TOP_LEVEL) or entry.suffix == ".pth" or entry.name == "__pycache__":
            continue
        (folder / entry.name).symlink_to(entry)
    return folder


def venv_with(wheel_file, folder, env):
    """A new virtualenv at FOLDER with WHEEL_FILE installed (no dependencies, no index): its python."""
    run([sys.executable, "-m", "venv", str(folder)], env=env)
    python = folder / "bin" / "python"
    run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel_file)], env=env)
    return python


def test_the_image_installs_the_wheel_tutor_built_from_what_is_installed_with_no_index(artifacts, tmp_path):
    _, built = artifacts
    env = closed_environment()

    # Where Tutor runs: the package installed from its wheel, no checkout at hand.
    tutor_python = venv_with(built, tmp_path / "tutor-venv", env)
    tutor_env = tmp_path / "tutor-root" / "env"
    saved = json.loads(run([str(tutor_python), "-c", TUTOR_SAVE, str(tutor_env)], env=env, cwd=tmp_path))

    assert saved["source_tree"] == "None"  # built from the installed distribution
    context = tutor_env / "build" / "openedx"  # the openedx image's build context
    assert saved["written"] == [f"build/openedx/{wheel.BUILD_CONTEXT_FOLDER}/{wheel.WHEEL_FILENAME}"]
    bundled = context / wheel.BUILD_CONTEXT_FOLDER / wheel.WHEEL_FILENAME
    assert _contents(bundled) == _contents(built)  # the same files, byte for byte, as the release wheel
    assert saved["pip_spec"] == patches.CONFIG_DEFAULTS["CREDENTIALS_PLUGIN_PIP_SPEC"]

    # The image's python-requirements stage: a fresh virtualenv whose dependencies are already there.
    image = tmp_path / "image"
    image_venv = tmp_path / "image-venv"
    run([sys.executable, "-m", "venv", str(image_venv)], env=env)
    image_python = image_venv / "bin" / "python"
    image_site = Path(run([str(image_python), "-c", PURELIB]).strip())
    (image_site / "dependencies.pth").write_text(f"{_dependencies_view(tmp_path / 'dependencies')}\n")
    closed = ["--no-index", "--find-links", str(context / wheel.BUILD_CONTEXT_FOLDER)]

    # Control: with these options pip cannot get credentials-plugin from anywhere but the build context.
    empty = tmp_path / "empty"
    empty.mkdir()
    refused = fails(
        [str(image_python), "-m", "pip", "install", "--no-index", "--find-links", str(empty), "credentials-plugin"],
        env=env,
        cwd=tmp_path,
    )
    assert "No matching distribution found for credentials-plugin" in refused

    dockerfile = render("openedx-dockerfile-post-python-requirements")
    instructions = [line for line in dockerfile.splitlines() if line and not line.startswith("#")]
    copy, install = instructions
    _, source, destination = shlex.split(copy)
    assert (source, destination) == (f"{wheel.BUILD_CONTEXT_FOLDER}/", f"{patches.IMAGE_FOLDER}/")
    shutil.copytree(context / source, image / destination.lstrip("/"))
    run_keyword, pip, *arguments = shlex.split(install)
    assert (run_keyword, pip, arguments[0]) == ("RUN", "pip", "install")
    in_image = [str(image) + argument if argument.startswith("/openedx/") else argument for argument in arguments]
    output = run([str(image_python), "-m", "pip", *in_image, *closed], env=env, cwd=tmp_path)

    assert f"Successfully installed credentials-plugin-{__version__}" in output
    found = json.loads(run([str(image_python), "-c", INSTALLED], env=env, cwd=tmp_path))
    assert Path(found["file"]).resolve().is_relative_to(Path(found["site_packages"]).resolve())
    assert Path(found["site_packages"]).resolve().is_relative_to(image_venv.resolve())
    assert found["version"] == __version__
    assert found["lms"]["credentials_plugin"] == "credentials_plugin.apps:CredentialsPluginConfig"


def test_a_file_changed_since_pip_installed_it_stops_the_repack(artifacts, tmp_path):
    _, built = artifacts
    env = closed_environment()
    python = venv_with(built, tmp_path / "venv", env)
    conf = Path(run([str(python), "-c", PURELIB]).strip()) / "credentials_plugin" / "conf.py"
    conf.write_text(conf.read_text() + "# edited after installing\n")

    output = fails(
        [str(python), "-c", f"from tutor_credentials_plugin import wheel; wheel.build({str(tmp_path / 'out')!r})"],
        env=env,
        cwd=tmp_path,
    )
    assert "credentials_plugin/conf.py differs from what pip installed (RECORD)" in output


def test_from_a_checkout_the_plugin_builds_the_same_wheel_as_the_release(artifacts, tmp_path):
    # An editable install, or the checkout on sys.path, as in this test run: a copy is built with pip.
    _, built = artifacts
    assert wheel.source_tree() == ROOT

    from_checkout = wheel.build(tmp_path)

    assert from_checkout == tmp_path / wheel.WHEEL_FILENAME
    assert _contents(from_checkout) == _contents(built)
