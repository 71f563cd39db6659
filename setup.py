"""Packaging for credentials_plugin, an Open edX LMS plugin app."""

import re
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent


def read_version():
    """The version lives in the package's __init__, once."""
    text = (HERE / "credentials_plugin" / "__init__.py").read_text()
    return re.search(r'^__version__ = "([^"]+)"', text, re.M).group(1)


def read_requirements(name):
    """Requirement ranges of requirements/NAME: no comments, no options (`-c constraints.txt`, `-r ...`).

    The package declares base.in's ranges; the pins of base.txt / test.txt are for CI and tox only.
    """
    lines = (line.split("#")[0].strip() for line in (HERE / "requirements" / name).read_text().splitlines())
    return [line for line in lines if line and not line.startswith("-")]


setup(
    name="credentials-plugin",
    version=read_version(),
    description="Certificates and verifiable credentials for Open edX, as one LMS plugin app.",
    long_description=(HERE / "README.md").read_text(),
    long_description_content_type="text/markdown",
    license="AGPL-3.0",
    python_requires=">=3.11",
    packages=[
        *find_packages(include=["credentials_plugin", "credentials_plugin.*", "tutor_credentials_plugin"]),
        # The design card keeps templates at the top level; they install inside the package.
        "credentials_plugin.templates",
        "credentials_plugin.templates.credentials_plugin",
    ],
    package_dir={"credentials_plugin.templates": "templates"},
    package_data={
        "credentials_plugin.templates": ["**/*.html", "**/*.txt"],
        # Compiled catalogs ship with the package: a pip install needs no build step (scripts/messages.sh).
        "credentials_plugin": [
            "static/credentials_plugin/*",
            "static/credentials_plugin/icons/*",
            "locale/*/LC_MESSAGES/*.mo",
            "locale/*/LC_MESSAGES/*.po",
        ],
        # The pinned JSON-LD contexts (vc/jsonld/NOTICE.md): signing and verifying read them offline.
        "credentials_plugin.vc": ["jsonld/*.json", "jsonld/*.jsonld", "jsonld/NOTICE.md"],
    },
    include_package_data=True,
    install_requires=read_requirements("base.in"),
    entry_points={
        "lms.djangoapp": ["credentials_plugin = credentials_plugin.apps:CredentialsPluginConfig"],
        # The Tutor plugin (`tutor plugins enable credentials_plugin`); only Tutor loads it.
        "tutor.plugin.v1": ["credentials_plugin = tutor_credentials_plugin.plugin"],
    },
    classifiers=[
        "Framework :: Django",
        "Framework :: Django :: 4.2",
        "Framework :: Django :: 5.2",
        "Programming Language :: Python :: 3.11",
        "Programming Language :: Python :: 3.12",
    ],
)
