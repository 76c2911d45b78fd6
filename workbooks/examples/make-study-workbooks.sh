#!/usr/bin/env bash
# Regenerates the example workbooks of the Excel flow from the code (never edit them by hand):
#   study-input.xlsx  — `voltlex template --example` (the filled example input)
#   study-result.xlsx — `voltlex study study-input.xlsx` (its result workbook)
# tests/study_cli.rs checks that the committed files equal what this script writes.
set -euo pipefail
cd "$(dirname "$0")/../.."
rm -f workbooks/examples/study-input.xlsx workbooks/examples/study-result.xlsx
cargo run --quiet --release -- template --example -o workbooks/examples/study-input.xlsx
cargo run --quiet --release -- study workbooks/examples/study-input.xlsx -o workbooks/examples/study-result.xlsx
