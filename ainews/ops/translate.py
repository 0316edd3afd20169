"""`flask translate extract|update|compile`: the interface translations, through pybabel."""

import os

import click
from babel.messages.frontend import CommandLineInterface

PROJECT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TRANSLATIONS = os.path.join(PROJECT, "translations")
POT_FILE = os.path.join(PROJECT, "messages.pot")
# Keywords that mark interface strings: Flask-Babel's (`_l` is lazy_gettext),
# plus `tr`, `ntr` and the card's `label` (all in ainews/i18n.py), which
# show a string in a given language.
GETTEXT_KEYWORDS = ["_", "_l", "gettext", "ngettext:1,2", "lazy_gettext", "tr", "ntr:1,2", "label"]


@click.group()
def translate():
    """Extract, update and compile the interface translations."""


def pybabel(*args):
    CommandLineInterface().run(["pybabel", "-q", *args])


@translate.command()
def extract():
    """Collect interface strings into messages.pot."""
    keywords = [arg for keyword in GETTEXT_KEYWORDS for arg in ("-k", keyword)]
    pybabel(
        "extract",
        "-F",
        os.path.join(PROJECT, "babel.cfg"),
        *keywords,
        "--no-location",
        "--no-wrap",
        "--project",
        "AI News",
        "-o",
        POT_FILE,
        PROJECT,
    )


@translate.command()
def update():
    """Extract, then merge new strings into every .po file."""
    extract.callback()
    pybabel("update", "-i", POT_FILE, "-d", TRANSLATIONS, "--no-fuzzy-matching", "--no-wrap", "--ignore-obsolete")
    os.remove(POT_FILE)


@translate.command()
def compile():
    """Build the .mo files the site reads."""
    pybabel("compile", "-d", TRANSLATIONS, "--statistics")
