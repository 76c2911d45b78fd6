"""Execute every workbooks/*.ipynb headless with the evcxr kernel and check the outputs.

Called by scripts/notebooks (which installs the kernel and this venv's packages). A notebook
fails when a cell errors or times out, when an output carries an error (evcxr reports a
failed cell as an `error` output), or when the notebook shows no HTML table or no SVG chart.
Executed copies go to target/notebooks/ (the committed notebooks stay without outputs).
"""

import pathlib
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "workbooks"
OUTPUT = ROOT / "target" / "notebooks"
# The first cell compiles voltlex in a debug build (minutes on a cold cache).
CELL_TIMEOUT = 900


def html_outputs(notebook):
    """Every text/html output of the executed notebook."""
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "text/html" in data:
                html = data["text/html"]
                yield html if isinstance(html, str) else "".join(html)


def errors(notebook):
    """(cell index, text) of every error output and every stderr line that evcxr uses to
    report a compile error."""
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                yield index, f"{output.get('ename')}: {output.get('evalue')}"


def run(path):
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT,
        kernel_name="rust",
        # The notebook's paths are relative to its folder, as in Jupyter.
        resources={"metadata": {"path": str(path.parent)}},
        allow_errors=False,
    )
    started = time.monotonic()
    problems = []
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError) as error:
        problems.append(str(error).strip()[-3000:])
    seconds = time.monotonic() - started
    OUTPUT.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, OUTPUT / path.name)
    problems.extend(f"cell {index}: {text}" for index, text in errors(notebook))
    html = list(html_outputs(notebook))
    if not any("<svg" in h for h in html):
        problems.append("no text/html output with an SVG chart (<svg)")
    if not any("<table" in h for h in html):
        problems.append("no text/html output with an HTML table (<table)")
    for cell in notebook.cells:
        if cell.get("cell_type") == "code" and cell.get("source", "").startswith(":dep"):
            took = cell_seconds(cell)
            if took is not None:
                print(f"   :dep cell (building voltlex) took {took:.0f} s", flush=True)
            break
    return seconds, problems


def cell_seconds(cell):
    """How long the kernel took to execute a cell (nbclient records the timestamps)."""
    execution = cell.get("metadata", {}).get("execution", {})
    started = execution.get("iopub.execute_input")
    ended = execution.get("shell.execute_reply")
    if not started or not ended:
        return None
    from datetime import datetime

    def parse(text):
        return datetime.fromisoformat(text.replace("Z", "+00:00"))

    return (parse(ended) - parse(started)).total_seconds()


def main():
    paths = sorted(NOTEBOOKS.glob("*.ipynb"))
    if not paths:
        print(f"no notebooks in {NOTEBOOKS}", file=sys.stderr)
        return 1
    failed = 0
    for path in paths:
        print(f"== {path.relative_to(ROOT)}", flush=True)
        seconds, problems = run(path)
        if problems:
            failed += 1
            print(f"   FAILED after {seconds:.0f} s:", flush=True)
            for problem in problems:
                print("   " + problem.replace("\n", "\n   "), flush=True)
        else:
            print(f"   ok in {seconds:.0f} s -> {(OUTPUT / path.name).relative_to(ROOT)}", flush=True)
    if failed:
        print(f"{failed} of {len(paths)} notebooks failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
