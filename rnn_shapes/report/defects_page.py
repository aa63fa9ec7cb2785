"""docs/defects.md from rnn_shapes/defects.toml: every entry, as the file says it.

Written by `rnn-shapes report` with the conformance report; tests/test_report.py
fails when the committed page differs. The page adds no knowledge of its own:
what a defect concerns, explains and why is the file's.
"""

from __future__ import annotations

from rnn_shapes.cases.conditions import FACETS, Condition
from rnn_shapes.defects import Defect, Signature, load

INTRO = """\
# Known defects

Generated from [`rnn_shapes/defects.toml`](../rnn_shapes/defects.toml) by `rnn-shapes report`;
edit the file, not this page.

The file lists Keras defects as data, reviewed in diffs. Each entry says:

- **which cases it concerns**, as conditions on what a case is (`when`, and optionally
  `unless`): a table of facets and the value, or list of values, each must have, such as
  `{ layer = "GRU", mask_via = ["layer", "embedding"], initial_states = true }`; a list
  of tables means any of them. Facets are the Case's fields and a few questions they
  answer (listed below); a count or a rate may be a comparison, `">1"`. A case id is
  never read, so an entry holds for any case the Case accepts, in a matrix or not, and for
  the layers of a user's model (`check-model`, `advise`);
- **in which environments**: the Keras versions and the backends;
- **what it explains**, as failure signatures (`explains`): a problem's aspect and kind
  (`rules/symbolic*`, of [`rnn_shapes/verdict.py`](../rnn_shapes/verdict.py)'s kinds),
  for an error Keras raised its type and a stable fragment of its message, for values
  the dtype whose tolerance bounds them (`within = "float32"`: a float64 case computed in
  float32);
- optionally **where it may not show** (`may_hide`, conditions too): a mixed policy's
  tolerance can be wider than what a dropped mask changes;
- optionally **what Keras computes where it shows** (`predicts`, a name of
  [`rnn_shapes/defect_values.py`](../rnn_shapes/defect_values.py)): where those values are
  within the tolerance of the right ones, the defect cannot show on the case;
- optionally **where its layer hands no mask on** (`hands_no_mask`, conditions): the
  tensors it returns lack the mask its compute_mask says (what `advise` predicts a
  model's masks from; checked on every committed set the entry applies to);
- the reason, with where in Keras' source it comes from, and the upstream link.

How a verdict reads them:

- Each problem of a case goes to the first entry, in the file's order, that concerns the
  case and explains it. A problem no entry explains is a disagreement: an entry never
  takes a problem of another kind than it says, so nothing is absorbed.
- A case whose problems are all explained differs as the entries say: an expected
  difference, counted apart in `check`, in pytest's summary and in
  [CONFORMANCE.md](CONFORMANCE.md), under each entry it shows.
- An entry that concerns a case that shows no listed defect fails it ("no longer
  shows"), so a fixed defect is noticed, unless its `may_hide` holds there, or what it
  `predicts` is within the tolerance of the right values there, or Keras refused the case
  and the entry explains no refusal. Where another entry shows, it may
  not: one defect can keep another from showing (a refusal stops the run, a dropped mask
  leaves nothing masked).
- A case that Keras refuses as its version's rule predicts has no values, so no defect
  shows in it. A documented behaviour change is not a defect but a rule in code (the
  `go_backwards` refusal, Keras 2's refusal of NumPy initial states, the oracle's rules).

Every condition selects a case of some matrix (`tests/test_defects.py`): one that selects
none would apply nowhere the harness looks, silently. What each environment shows of the
entries is in [environments.md](environments.md#what-the-committed-sets-show) and, cell by
cell, in [CONFORMANCE.md](CONFORMANCE.md).
"""

OUTRO = """\
## Not a defect: float64 on JAX

On JAX a float64 layer computes and returns float32: JAX keeps 64-bit types off unless
`jax_enable_x64` is set at start-up, which Keras and this harness do not do. That is JAX's
documented default, so it is a rule (`cases/signature.output_dtype`), not a defect. The
model's symbolic outputs still say float64 (Keras' dtype policy does not know the flag):
that parting of symbolic and eager dtypes is the same rule (`symbolic_dtype`).
"""


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return f'"{value}"' if isinstance(value, str) else str(value)


def condition_text(condition: Condition) -> str:
    """A condition as the file writes it: `{ layer = "GRU", stateful = true }`."""
    return "{ " + ", ".join(f"{k} = {_value(v)}" for k, v in condition.wants) + " }"


def _conditions(conditions: tuple[Condition, ...]) -> str:
    return " or ".join(f"`{condition_text(c)}`" for c in conditions)


def signature_text(signature: Signature) -> str:
    said = [f"`{signature.problem}`"]
    if signature.error:
        said.append(f"`{signature.error}`")
    if signature.message:
        said.append(f'saying "{signature.message}"')
    if signature.within:
        said.append(f"within {signature.within}'s tolerance")
    return " ".join(said)


def _entry(number: int, d: Defect) -> list[str]:
    lines = [
        f"### D{number}. `{d.name}`",
        "",
        f"- **environments**: Keras `{d.keras}`; backends {', '.join(d.backends)}",
        f"- **concerns**: {_conditions(d.when)}",
    ]
    if d.unless:
        lines.append(f"- **unless**: {_conditions(d.unless)}")
    if d.hidden:
        lines.append(f"- **may not show**: {_conditions(d.hidden)}")
    if d.predicts:
        lines.append(f"- **predicts**: `{d.predicts}` (where that is right anyway, it cannot show)")
    if d.no_mask:
        lines.append(f"- **hands no mask on**: {_conditions(d.no_mask)}")
    lines.append(f"- **explains**: {'; '.join(signature_text(s) for s in d.explains)}")
    lines.append(f"- **upstream**: {d.upstream or 'none found (the file says where it looked)'}")
    if d.instead:
        lines.append(f"- **instead**: {d.instead}")
    return [*lines, "", d.reason, ""]


def _facets() -> list[str]:
    rows = ["| facet | what it asks |", "|---|---|"]
    rows += [f"| `{name}` | {facet.doc} |" for name, facet in FACETS.items()]
    return [*rows, ""]


def defects_markdown() -> str:
    """The whole page, from the committed file."""
    lines = [INTRO, "## The entries", ""]
    for number, d in enumerate(load(), start=1):
        lines += _entry(number, d)
    lines += ["## Facets a condition can name", "", *_facets(), OUTRO]
    return "\n".join(lines).rstrip("\n") + "\n"
