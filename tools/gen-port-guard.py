#!/usr/bin/env python3
"""Copies pipelines/port_guard.py into pipelines/port-guard.yml as the step's
inline script, so that a pipeline can include the template from this
repository (`template: pipelines/port-guard.yml@pipebutton`) without checking
the repository out.  Standard library only.

    tools/gen-port-guard.py            rewrites the template's script block
    tools/gen-port-guard.py --check    exit 1 when the template's copy differs

The script block is the indented text after the template's `script: |` line.
A script containing "$(", "${{" or "$[" is refused: Azure would expand them
in an inline script (a variable's value, a secret's too, pasted into code).
"""
import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, "pipelines", "port_guard.py")
TEMPLATE = os.path.join(ROOT, "pipelines", "port-guard.yml")
KEY = "      script: |"
INDENT = " " * 8
FORBIDDEN = ("$(", "${{", "$[")


class GenError(Exception):
    pass


def check_script(text):
    for bad in FORBIDDEN:
        if bad in text:
            line = text[:text.index(bad)].count("\n") + 1
            raise GenError(f"{SCRIPT}:{line}: {bad!r} would be expanded by Azure in an inline script")
    if "\t" in text:
        raise GenError(f"{SCRIPT}: a tab cannot be indented in a YAML block")
    if not text.endswith("\n"):
        raise GenError(f"{SCRIPT}: no final new line")


def split_template(lines):
    """(lines before the block, block lines, lines after) of the template."""
    try:
        start = lines.index(KEY + "\n") + 1
    except ValueError:
        raise GenError(f"{TEMPLATE}: no line {KEY.strip()!r} at its place") from None
    end = start
    while end < len(lines) and (lines[end] == "\n" or lines[end].startswith(INDENT)):
        end += 1
    return lines[:start], lines[start:end], lines[end:]


def block(text):
    return [INDENT + ln if ln.strip() else "\n" for ln in text.splitlines(keepends=True)]


def embedded_script(template_text):
    """The script as the template holds it."""
    _, body, _ = split_template(template_text.splitlines(keepends=True))
    while body and body[-1] == "\n":
        body.pop()
    return "".join(ln[len(INDENT):] if ln != "\n" else ln for ln in body)


def generate(script_text, template_text):
    check_script(script_text)
    head, _, tail = split_template(template_text.splitlines(keepends=True))
    return "".join(head + block(script_text) + tail)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--check", action="store_true", help="only check that the template is up to date")
    a = p.parse_args(argv)
    with open(SCRIPT) as f:
        script = f.read()
    with open(TEMPLATE) as f:
        template = f.read()
    try:
        new = generate(script, template)
    except GenError as e:
        print(f"gen-port-guard: {e}", file=sys.stderr)
        return 1
    if a.check:
        if new != template:
            print(f"gen-port-guard: {TEMPLATE} is out of date: run tools/gen-port-guard.py", file=sys.stderr)
            return 1
        return 0
    if new != template:
        with open(TEMPLATE, "w") as f:
            f.write(new)
        print(f"gen-port-guard: {os.path.relpath(TEMPLATE, ROOT)} updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
