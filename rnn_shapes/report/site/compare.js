// Two environments side by side, as `rnn-shapes compare A B` counts them
// (rnn_shapes/analysis/compare.py), from the per-case summaries of data.js: a
// signature per case and set (what compare's structural check reads) and value
// classes with the ULPs between them. tests/test_site.py checks the counts
// against compare.py's for several pairs.
"use strict";
(function (RS) {
  const D = window.RNN_SHAPES;
  const SIG = { outcome: 0, container: 1, shapes: 2, dtypes: 3, error: 4, masks: 5, facts: 6, symbolic: 7 };
  const same = (x, y) => JSON.stringify(x) === JSON.stringify(y);
  const dtypeSet = (s) => Array.from(new Set(s[SIG.dtypes])).sort().join(",");

  // rnn_shapes/differences.py's records of signature a against b, by its rules: an
  // aspect, a's value, b's value, an output's index. The attached masks (received)
  // are not in a signature: compare does not count them.
  RS.differences = function (a, b) {
    const out = [];
    const diff = (aspect, was, now, output) => out.push({ aspect, was, now, output });
    if (!same(a[SIG.symbolic], b[SIG.symbolic])) diff("symbolic", a[SIG.symbolic], b[SIG.symbolic]);
    if (a[SIG.outcome] !== b[SIG.outcome]) {
      diff("outcome", a[SIG.outcome], b[SIG.outcome]);
      return out;
    }
    if (a[SIG.error] !== b[SIG.error]) diff("error", a[SIG.error], b[SIG.error]);
    if (a[SIG.outcome] === "rejected") return out;
    if (a[SIG.container] !== b[SIG.container]) diff("container", a[SIG.container], b[SIG.container]);
    const [sa, sb, da, db] = [a[SIG.shapes], b[SIG.shapes], a[SIG.dtypes], b[SIG.dtypes]];
    if (sa.length !== sb.length) diff("arity", sa.length, sb.length);
    else sa.forEach((s, i) => { if (!same([s, da[i]], [sb[i], db[i]])) diff("output", [s, da[i]], [sb[i], db[i]], i); });
    if (!same(a[SIG.masks], b[SIG.masks])) diff("masks", a[SIG.masks], b[SIG.masks]);
    if (!same(a[SIG.facts], b[SIG.facts])) diff("facts", a[SIG.facts], b[SIG.facts]);
    if (dtypeSet(a) !== dtypeSet(b)) diff("dtypes", dtypeSet(a), dtypeSet(b));
    return out;
  };

  // compare.py's words for a record (`_kind`), null where compare does not count it
  const KINDS = {
    symbolic: "symbolic outputs changed", error: "refusal message changed",
    output: "shapes changed", masks: "output masks changed", facts: "facts changed",
  };
  RS.kind = function (d) {
    if (d.aspect === "symbolic" && (d.was === null || d.now === null)) return null; // an older set
    if (d.aspect === "output" && same(d.was[0], d.now[0])) return null; // a dtype moved: see dtypes
    if (["outcome", "container", "arity", "dtypes"].includes(d.aspect)) return d.aspect + " " + d.was + " -> " + d.now;
    return KINDS[d.aspect];
  };

  // compare.py's structural: the kinds of change from signature a to b, each once
  RS.structural = function (a, b) {
    const kinds = [];
    for (const d of RS.differences(a, b)) {
      const k = RS.kind(d);
      if (k !== null && !kinds.includes(k)) kinds.push(k);
    }
    return kinds;
  };

  // The ULP distance of a case's values between sets i and j, null where compare
  // does not measure it (refused, random training values, outputs that do not line up)
  RS.ulp = function (c, i, j) {
    const a = c.v[i], b = c.v[j];
    if (a < 0 || b < 0) return null;
    if (a === b) return 0;
    const lo = Math.min(a, b), hi = Math.max(a, b);
    const k = Math.max.apply(null, c.v) + 1; // classes of the case
    return c.u[(lo * (2 * k - lo - 1)) / 2 + (hi - lo - 1)];
  };

  RS.bucket = function (ulp) {
    for (const [limit, label] of D.buckets) if (limit === null || ulp <= limit) return label;
    return D.buckets[D.buckets.length - 1][1];
  };
  RS.overLabel = () => D.buckets[D.buckets.length - 1][1];

  // compare(A, B): shared cases, structural kinds, value buckets and per-family counts
  RS.compare = function (i, j) {
    const out = { shared: [], onlyA: [], onlyB: [], structural: {}, buckets: {}, drift: {}, families: {} };
    for (const [, label] of D.buckets) out.buckets[label] = [];
    const over = "values " + RS.overLabel();
    const ordered = D.cases.slice().sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
    for (const c of ordered) {
      const ra = c.r[i], rb = c.r[j];
      if (ra < 0 || rb < 0) {
        if (ra >= 0) out.onlyA.push(c.id);
        if (rb >= 0) out.onlyB.push(c.id);
        continue;
      }
      out.shared.push(c.id);
      const kinds = RS.structural(D.signatures[ra], D.signatures[rb]);
      for (const k of kinds) (out.structural[k] = out.structural[k] || []).push(c.id);
      const u = RS.ulp(c, i, j);
      if (u !== null) {
        out.drift[c.id] = u;
        out.buckets[RS.bucket(u)].push(c.id);
      }
      for (const f of c.fam) {
        const n = (out.families[f] = out.families[f] || { shared: 0 });
        n.shared += 1;
        n[over] = (n[over] || 0) + (u !== null && RS.bucket(u) === RS.overLabel() ? 1 : 0);
        for (const k of kinds) n[k] = (n[k] || 0) + 1;
      }
    }
    out.identical =
      !Object.keys(out.structural).length && !out.onlyA.length && !out.onlyB.length &&
      Object.values(out.drift).every((u) => u === 0);
    return out;
  };

  // compare.py's summary_counts: counts by kind, and of each value bucket
  RS.summaryCounts = function (cmp) {
    const counts = {};
    for (const [k, ids] of Object.entries(cmp.structural)) counts[k] = ids.length;
    for (const [label, ids] of Object.entries(cmp.buckets)) counts["values " + label] = ids.length;
    return counts;
  };

  // compare.py's family_line: 'masking: 3136 shared; outcome ok -> rejected: 8'
  RS.familyLine = function (family, n) {
    const changes = Object.keys(n).filter((k) => k !== "shared" && n[k]).sort().map((k) => k + ": " + n[k]);
    return family + ": " + n.shared + " shared; " + (changes.join("; ") || "no change");
  };
})((window.RS = window.RS || {}));
