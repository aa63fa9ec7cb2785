// Shared helpers of the views: escaping, links to sources and defects, a result
// described in words, a case's verdict in a set, and its timeline across the sets.
"use strict";
(function (RS) {
  const D = window.RNN_SHAPES;
  RS.D = D;
  RS.SYMBOL = { agrees: "✓", refused: "⊘", differs: "≠", defect: "D" };
  RS.esc = (s) =>
    String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  RS.envIndex = (name) => D.environments.findIndex((e) => e.name === name);
  RS.REF = RS.envIndex(D.reference);
  RS.byId = new Map(D.cases.map((c) => [c.id, c]));
  RS.defects = new Map(D.defects.map((d) => [d.name, d]));
  RS.label = (i) => D.environments[i].label;

  // Links name what they open (a family, a layer, an environment, a case), never a
  // column or row number, so a link stays true when a set is added: one segment each,
  // encoded on its own (a family may hold a "/": "save/load").
  RS.link = (view, ...parts) => "#" + [view, ...parts.map(encodeURIComponent)].join("/");
  RS.cellLink = (ri, i) => RS.link("cell", D.rows[ri][0], D.rows[ri][1], D.environments[i].name);
  RS.compareLink = (i, j) => RS.link("compare", D.environments[i].name, D.environments[j].name);
  RS.caseLink = (id) => '<a class="case" href="' + RS.link("case", id) + '">' + RS.esc(id) + "</a>";
  // A link written with numbers (the page's columns before links named them): refused,
  // as what the numbers meant has moved since
  RS.numbered = (parts) => parts.length > 0 && parts.every((p) => /^\d+$/.test(p));
  RS.unknown = function (what, given, known) {
    return '<p class="error">' + RS.esc(what) + " " + RS.esc(JSON.stringify(given)) + " is not on this page" +
      (known ? " (" + RS.esc(known) + ")" : "") + '. <a href="#table">The support table</a> lists what is.</p>';
  };
  RS.oldLink = function (view) {
    return '<p class="error">This link gives the ' + RS.esc(view) + " by column and row numbers, which move when a set " +
      "is added: it cannot say what it meant. Links now name what they open, e.g. " +
      RS.esc(view === "cell" ? "#cell/masking/LSTM/" + D.reference : "#compare/" + D.environments[0].name + "/" + D.reference) +
      '. <a href="#table">The support table</a></p>';
  };

  // A source file of the repository: a link with --source-url, else its path
  RS.source = function (key, text) {
    const path = D.sources[key] || key;
    const shown = RS.esc(text || path);
    if (!D.source_url) return "<code>" + shown + "</code>";
    return '<a class="src" href="' + RS.esc(D.source_url + "/" + path) + '">' + shown + "</a>";
  };

  // A listed defect: its label and name, linked to its page (#defect/<name>)
  RS.defectLink = function (name) {
    const d = RS.defects.get(name);
    if (!d) return RS.esc(name);
    return '<a class="defect" href="' + RS.esc(RS.link("defect", d.name)) + '">' + RS.esc(d.label + " " + d.name) + "</a>";
  };

  RS.sig = (c, i) => (c.r[i] < 0 ? null : D.signatures[c.r[i]]);
  RS.verdict = function (c, i) {
    const v = D.verdicts[c.s[i]];
    return v ? { state: D.states[v[0]], kinds: v[1], defects: v[2] } : null;
  };
  RS.shapes = (s) => s[2].map((sh, k) => "(" + sh.join(", ") + ") " + s[3][k]).join(", ");
  // 'refused' or 'tuple of 3' / 'tensor': what a result is, in short
  RS.brief = function (s) {
    if (s === null) return "not recorded";
    if (s[0] === "rejected") return "refused";
    return "ok, " + (s[1] === "tensor" ? "tensor" : s[1] + " of " + s[2].length);
  };
  RS.describe = function (s) {
    if (s === null) return "not recorded";
    if (s[0] === "rejected") return "refused: " + (s[4] || "");
    return RS.brief(s) + ": " + RS.shapes(s);
  };
  RS.fmtUlp = (u) => (u === null ? "–" : u === 0 ? "identical" : (u < 1e5 ? u.toFixed(1) : u.toExponential(1)) + " ULP");

  // How a case differs from the reference in set i: container, arity, shapes, values
  RS.againstRef = function (c, i) {
    const a = RS.sig(c, RS.REF), b = RS.sig(c, i);
    if (a === null || b === null) return [];
    const out = RS.structural(a, b).map((k) => (k === "shapes changed" ? "shapes " + RS.shapes(a) + " -> " + RS.shapes(b) : k));
    const u = RS.ulp(c, RS.REF, i);
    if (u) out.push("values " + RS.fmtUlp(u));
    return out;
  };

  // The case across every set in release order: runs of one outcome, structure and
  // state, and where values move beyond compare's open bucket
  // Runs of one outcome, structure and state over the sets `members` (in release order)
  // that recorded the case
  RS.runs = function (c, members) {
    const runs = [];
    for (const i of members) {
      if (c.r[i] < 0) continue;
      const s = RS.sig(c, i), v = RS.verdict(c, i);
      const key = JSON.stringify([s.slice(0, 4), v ? v.state : null]); // outcome, structure, state
      const last = runs[runs.length - 1];
      if (last && last.key === key) last.to = i;
      else runs.push({ key: key, from: i, to: i });
    }
    return runs;
  };

  RS.timeline = function (c) {
    const runs = RS.runs(c, D.environments.map((e, i) => i)), moves = [];
    let prev = -1;
    D.environments.forEach((e, i) => {
      if (c.r[i] < 0) return;
      if (prev >= 0) {
        const u = RS.ulp(c, prev, i);
        if (u !== null && RS.bucket(u) === RS.overLabel()) moves.push({ at: i, ulp: u });
      }
      prev = i;
    });
    const firstMove = moves.length ? moves[0].at : null;
    const firstRun = runs.length > 1 ? runs[1].from : null;
    const first = [firstMove, firstRun].filter((x) => x !== null);
    return { runs: runs, moves: moves, first: first.length ? Math.min.apply(null, first) : null };
  };

  RS.runText = function (c, run, k, n) {
    const s = RS.sig(c, run.from), v = RS.verdict(c, run.from);
    const what = RS.brief(s) + (v ? " " + RS.SYMBOL[v.state] : "");
    if (n === 1) return "every environment: " + what;
    if (k === 0) return "until " + RS.label(run.to) + ": " + what;
    if (k === n - 1) return "since " + RS.label(run.from) + ": " + what;
    if (run.from === run.to) return "at " + RS.label(run.from) + ": " + what;
    return RS.label(run.from) + " – " + RS.label(run.to) + ": " + what;
  };

  // The case's stretches per lane (a backend; the pre-release channel its own), as
  // `rnn-shapes history` walks them: runs of one outcome, structure and verdict
  RS.lanesHtml = function (c) {
    const lanes = new Map();
    D.environments.forEach((e, i) => {
      const lane = (e.channel === "stable" ? "" : "next ") + e.backend;
      if (!lanes.has(lane)) lanes.set(lane, []);
      lanes.get(lane).push(i);
    });
    const t = RS.timeline(c);
    const parts = Array.from(lanes.entries()).map(([lane, members]) => {
      const runs = RS.runs(c, members);
      const items = runs.map((run, k) => "<li>" + RS.esc(RS.runText(c, run, k, runs.length)) + "</li>").join("");
      return '<li data-lane="' + RS.esc(lane) + '"><b>' + RS.esc(lane) + "</b><ul>" + items + "</ul></li>";
    });
    const moves = t.moves.length ? "<p>values move " + RS.esc(RS.overLabel()) + " at " +
      RS.esc(t.moves.map((m) => RS.label(m.at)).join(", ")) + "</p>" : "";
    return '<ul id="case-stretches">' + parts.join("") + "</ul>" + moves;
  };

  RS.timelineText = function (c) {
    const t = RS.timeline(c);
    const parts = t.runs.map((run, k) => RS.runText(c, run, k, t.runs.length));
    if (t.moves.length) parts.push("values move " + RS.overLabel() + " at " + t.moves.map((m) => RS.label(m.at)).join(", "));
    return parts.join("; ");
  };
})((window.RS = window.RS || {}));
