"""Where the files shipped with the package are, in a wheel and in a source checkout alike."""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # credentials_plugin/


def packaged_templates_dir():
    """
    The templates shipped with the plugin.

    In an installed wheel they sit inside the package (setup.py maps the top-level
    ``templates/`` there); in a source checkout they are the top-level folder itself.
    """
    installed = PACKAGE_DIR / "templates"
    return installed if installed.is_dir() else PACKAGE_DIR.parent / "templates"
