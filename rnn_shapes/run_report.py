"""One run report, whoever ran the cases: `check`, `check-model` and the pytest
summary each build a RunReport from what they judged, once, and these three
renderers write it: text, JSON, JUnit XML.

A report holds its items (one per case, model load, layer call or record, and
where it fails, why), the lines a person reads (in titled sections where the
output has them: pytest's terminal) and the JSON document, all decided when it
is built; rendering computes nothing.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

from rnn_shapes.verdict import STATES

FORMATS = ("text", "json", "junit")


@dataclass(frozen=True)
class Item:
    """One thing the run judged, as a JUnit testcase: its group (`classname`), its
    name, whether it failed (the first line and the whole message) and what a
    passing one notes (a listed defect, a refusal as predicted)."""

    group: str
    name: str
    failure: str | None = None
    message: str | None = None
    note: str | None = None


@dataclass
class Suite:
    name: str
    items: list[Item] = field(default_factory=list)
    properties: dict[str, str] = field(default_factory=dict)


@dataclass
class RunReport:
    sections: list[tuple[str, list[str]]]  # (title, lines): the text a person reads
    document: dict  # the JSON document
    suites: list[Suite] = field(default_factory=list)
    passed: bool = True

    @property
    def lines(self) -> list[str]:
        return [line for _, lines in self.sections for line in lines]


def counts(states: Iterable[str]) -> dict[str, int]:
    """How many of each verdict state (verdict.STATES, each named, 0 where none)."""
    found = Counter(states)
    return {state: found[state] for state in STATES}


def render_text(report: RunReport) -> str:
    return "\n".join(report.lines) + "\n"


def render_json(report: RunReport) -> str:
    return json.dumps(report.document, indent=1, sort_keys=True) + "\n"


def render_junit(report: RunReport) -> str:
    """A <testsuite> per suite, a <testcase> per item: a <failure> where it fails,
    its note as <system-out> where it passes."""
    root = ET.Element("testsuites")
    for suite in report.suites:
        failures = sum(item.failure is not None for item in suite.items)
        element = ET.SubElement(
            root,
            "testsuite",
            name=suite.name,
            tests=str(len(suite.items)),
            failures=str(failures),
            errors="0",
            skipped="0",
        )
        if suite.properties:
            props = ET.SubElement(element, "properties")
            for key, value in suite.properties.items():
                ET.SubElement(props, "property", name=key, value=value)
        for item in suite.items:
            case = ET.SubElement(element, "testcase", classname=item.group, name=item.name)
            if item.failure is not None:
                failure = ET.SubElement(case, "failure", message=item.message or "")
                failure.text = item.failure
            elif item.note is not None:
                ET.SubElement(case, "system-out").text = item.note
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, "unicode") + "\n"


RENDERERS = {"text": render_text, "json": render_json, "junit": render_junit}
