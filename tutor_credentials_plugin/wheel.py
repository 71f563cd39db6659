"""
The wheel the Tutor plugin puts in the openedx image's build context: exactly the credentials-plugin
that is installed where Tutor runs, so that `tutor images build openedx` needs no package index that
has us (docs/decisions/0011-tutor-installs-its-own-build.md).

Two sources, chosen by where this very module was imported from:

- an installed distribution (pip installed a wheel or an sdist into Tutor's virtualenv): its files,
  as its RECORD lists them and with the hashes RECORD gives (a file edited since fails), are packed
  back into a wheel, with the installed METADATA, WHEEL and entry points. No build tool, no network,
  no checkout.
- a source tree (an editable install, or the checkout on sys.path): a copy of it is built with
  `pip wheel --no-build-isolation` (setuptools must be installed where Tutor runs).

Nothing here imports Tutor, so it is tested without it.
"""

import atexit
import base64
import csv
import functools
import hashlib
import importlib.metadata
import io
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from credentials_plugin import __version__

DISTRIBUTION = "credentials-plugin"
# The folder of the openedx image's build context (env/build/openedx/) that holds the wheel.
BUILD_CONTEXT_FOLDER = "credentials-plugin"
TAG = "py3-none-any"  # pure Python (setup.py builds no extension)
WHEEL_FILENAME = f"credentials_plugin-{__version__}-{TAG}.whl"

# What pip writes into an installed .dist-info that is no part of the wheel it installed.
_INSTALLER_FILES = {"INSTALLER", "REQUESTED", "direct_url.json", "RECORD"}
# What a copy of the source tree leaves out before building (setuptools would pack a stale build/).
_NOT_SOURCES = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "*.pyc", "node_modules", ".tox"
)
# A fixed timestamp: the same installed files give the same bytes, so Docker's COPY layer stays cached.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


class WheelError(Exception):
    """The installed package cannot be turned into a wheel; the message says what to do."""


def _package_root():
    """The folder holding the credentials_plugin and tutor_credentials_plugin packages in use."""
    return Path(__file__).resolve().parent.parent


def source_tree():
    """The checkout this module runs from (editable install or sys.path), or None when installed."""
    root = _package_root()
    if (root / "setup.py").is_file() and (root / "credentials_plugin" / "__init__.py").is_file():
        return root
    return None


def installed_distribution():
    """The installed distribution this very module belongs to (not an egg-info found elsewhere on sys.path)."""
    here = Path(__file__).resolve()
    for dist in importlib.metadata.distributions(name=DISTRIBUTION):
        if Path(dist.locate_file("tutor_credentials_plugin/wheel.py")).resolve() == here and dist.files:
            return dist
    raise WheelError(
        f"tutor_credentials_plugin is imported from {here.parent}, but no installed {DISTRIBUTION} "
        "distribution lists it: reinstall the package with pip where Tutor runs"
    )


def build(destination):
    """Write the wheel into DESTINATION (a folder) and return its path."""
    destination = Path(destination)
    destination.mkdir(parents=True, exist_ok=True)
    tree = source_tree()
    built = _build_from_source(tree, destination) if tree else _repack(installed_distribution(), destination)
    if built.name != WHEEL_FILENAME:
        raise WheelError(f"built {built.name}, expected {WHEEL_FILENAME}")
    return built


def _record_hash(data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def _repack(dist, destination):
    """Pack the installed files of DIST, as its RECORD lists them, into a wheel in DESTINATION."""
    if dist.version != __version__:
        raise WheelError(f"the installed {DISTRIBUTION} is {dist.version}, its code says {__version__}: reinstall it")
    (dist_info,) = {file.parts[0] for file in dist.files if file.parts[0].endswith(".dist-info")}
    entries = []
    for file in sorted(dist.files, key=str):
        name = file.as_posix()
        if name.startswith("../") or name.startswith("/"):
            raise WheelError(f"{DISTRIBUTION} installed {name} outside site-packages; cannot repack it")
        parts = name.split("/")
        if "__pycache__" in parts or name.endswith(".pyc"):
            continue  # compiled by the installer, not part of the wheel
        if parts[0].endswith(".dist-info") and (parts[0] != dist_info or parts[-1] in _INSTALLER_FILES):
            continue
        data = Path(dist.locate_file(file)).read_bytes()
        if file.hash is not None and _record_hash(data) != f"{file.hash.mode}={file.hash.value}":
            raise WheelError(f"{name} differs from what pip installed (RECORD): reinstall {DISTRIBUTION}")
        entries.append((name, data))

    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    for name, data in entries:
        writer.writerow([name, _record_hash(data), len(data)])
    writer.writerow([f"{dist_info}/RECORD", "", ""])
    # Package files first, the .dist-info after them and RECORD last, as the wheel format recommends.
    entries.sort(key=lambda entry: (entry[0].startswith(dist_info), entry[0]))
    entries.append((f"{dist_info}/RECORD", record.getvalue().encode()))

    path = destination / WHEEL_FILENAME
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return path


def _build_from_source(tree, destination):
    """Build a wheel of a copy of TREE (so the checkout gets no build/ or egg-info) into DESTINATION."""
    with tempfile.TemporaryDirectory(prefix="credentials-plugin-src-") as scratch:
        copy = Path(scratch) / "src"
        shutil.copytree(tree, copy, ignore=_NOT_SOURCES)
        command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
        completed = subprocess.run(  # noqa: S603 (our own interpreter, fixed arguments)
            [*command, "-w", str(destination), str(copy)], capture_output=True, text=True, check=False
        )
    if completed.returncode:
        raise WheelError(
            f"building {DISTRIBUTION} from {tree} failed (is setuptools installed where Tutor runs?):\n"
            f"{completed.stderr[-2000:]}"
        )
    return destination / WHEEL_FILENAME


@functools.cache
def template_root():
    """A folder holding BUILD_CONTEXT_FOLDER/WHEEL_FILENAME, built once per process, removed at exit.

    The Tutor plugin adds it to Tutor's template roots; Tutor copies the wheel into the build context.
    """
    root = Path(tempfile.mkdtemp(prefix="credentials-plugin-tutor-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    build(root / BUILD_CONTEXT_FOLDER)
    return root
