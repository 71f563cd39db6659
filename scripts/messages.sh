#!/usr/bin/env bash
# Extract every translatable message into credentials_plugin/locale/django.pot, update each
# language's catalog (credentials_plugin/locale/<lang>/LC_MESSAGES/django.po) from it, and compile
# the .mo files that Django reads (committed, so a pip install needs no build step).
#
#   scripts/messages.sh            extract, update every catalog, compile
#   scripts/messages.sh fr         ... and start a new catalog for French first
#   scripts/messages.sh --check    fail when the committed .pot or a .mo file is out of date
set -euo pipefail
cd "$(dirname "$0")/.."

PYBABEL=${PYBABEL:-$([[ -x .venv/bin/pybabel ]] && echo .venv/bin/pybabel || echo pybabel)}
LOCALE=credentials_plugin/locale
POT=$LOCALE/django.pot
KEYWORDS=(-k gettext_lazy -k ngettext_lazy:1,2 -k pgettext_lazy:1c,2 -k npgettext_lazy:1c,2,3)

extract() {
    "$PYBABEL" -q extract -F babel.cfg "${KEYWORDS[@]}" --add-location=file --sort-by-file --width=120 \
        --project=credentials-plugin --copyright-holder="credentials-plugin contributors" -o "$1" .
}

if [[ ${1:-} == --check ]]; then
    fresh=$(mktemp)
    trap 'rm -f "$fresh"' EXIT
    extract "$fresh"
    diff -u -I POT-Creation-Date "$POT" "$fresh" || { echo "$POT is out of date: run scripts/messages.sh" >&2; exit 1; }
    for po in "$LOCALE"/*/LC_MESSAGES/django.po; do
        "$PYBABEL" -q compile -D django -i "$po" -o "$fresh"
        cmp -s "$fresh" "${po%.po}.mo" || { echo "${po%.po}.mo does not match its .po: run scripts/messages.sh" >&2; exit 1; }
    done
    echo "Catalogs are up to date."
    exit 0
fi

mkdir -p "$LOCALE"
extract "$POT"
for lang in "$@"; do
    [[ -f $LOCALE/$lang/LC_MESSAGES/django.po ]] || "$PYBABEL" -q init -D django -i "$POT" -d "$LOCALE" -l "$lang"
done
for po in "$LOCALE"/*/LC_MESSAGES/django.po; do
    lang=$(basename "$(dirname "$(dirname "$po")")")
    "$PYBABEL" -q update -D django -i "$POT" -d "$LOCALE" -l "$lang" --width=120 --no-fuzzy-matching --ignore-obsolete
done
"$PYBABEL" -q compile -D django -d "$LOCALE" --statistics
