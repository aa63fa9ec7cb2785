// The views opened from the table or the navigation: a cell's cases, two
// environments side by side, the -k search, and a case's own page.
"use strict";
(function (RS) {
  const D = RS.D, esc = RS.esc;
  const caseLink = RS.caseLink;
  const envOptions = (sel) => D.environments.map((e, i) =>
    '<option value="' + esc(e.name) + '"' + (i === sel ? " selected" : "") + ">" + esc(e.label + " — " + e.name) + "</option>").join("");

  function verdictText(c, i) {
    const v = RS.verdict(c, i);
    if (!v) return "not judged";
    if (v.defects.length) return v.defects.map(RS.defectLink).join(", ");
    return RS.SYMBOL[v.state] + " " + esc(v.state) + (v.kinds.length ? " (" + esc(v.kinds.join(", ")) + ")" : "");
  }

  // ---- a cell: its cases, how each differs from the reference, its timeline
  RS.drawCell = function (parts) {
    const el = document.getElementById("view-cell");
    if (RS.numbered(parts)) {
      el.innerHTML = RS.oldLink("cell");
      return;
    }
    const [family, layerName, env] = parts;
    const ri = D.rows.findIndex((r) => r[0] === family && r[1] === layerName), i = RS.envIndex(env);
    if (ri < 0) {
      el.innerHTML = RS.unknown("The row", family + " · " + layerName, "a family and a layer of the support table");
      return;
    }
    if (i < 0) {
      el.innerHTML = RS.unknown("The environment", env, D.environments.length + " environments");
      return;
    }
    const row = D.rows[ri], cell = D.cells[ri][i];
    if (!cell) {
      el.innerHTML = '<p class="error">' + esc(env) + " records no case of " + esc(family + " · " + layerName) + ".</p>";
      return;
    }
    const [fam, layer] = row;
    const cases = D.cases.filter((c) => c.layer === layer && c.fam.includes(fam) && c.r[i] >= 0);
    const defects = Array.from(new Set(cases.map((c) => RS.verdict(c, i)).flatMap((v) => (v ? v.defects : []))));
    const lines = cases.map((c) =>
      "<tr data-case=\"" + esc(c.id) + '"><td>' + caseLink(c.id) + "</td><td>" + esc(RS.brief(RS.sig(c, i))) + "</td><td>" +
      verdictText(c, i) + "</td><td>" + esc(RS.againstRef(c, i).join("; ") || "same as the reference") +
      '</td><td class="timeline">' + esc(RS.timelineText(c)) + "</td></tr>").join("");
    el.innerHTML = '<p><a href="#table">← support table</a></p><h2>' + esc(fam + " · " + layer) + " in " + esc(RS.label(i)) +
      " <small>(" + esc(D.environments[i].name) + ")</small></h2><p>" + esc(cell.text) + " — " + cell.n + " cases. " +
      "Against " + esc(D.reference) + "; differences as " + RS.source("compare") + " names them, values in ULPs (" +
      RS.source("tolerance") + "). Timeline: runs of one outcome, structure and state across every environment in release order, " +
      "and where values move " + esc(RS.overLabel()) + " from one environment to the next.</p>" +
      (defects.length ? "<p>Listed defects: " + defects.map(RS.defectLink).join(", ") + "</p>" : "") +
      '<div class="table-wrap"><table class="list" id="cell-cases"><thead><tr><th>case</th><th>outcome</th><th>state</th>' +
      "<th>against the reference</th><th>timeline</th></tr></thead><tbody>" + lines + "</tbody></table></div>";
  };

  // ---- two environments side by side, as compare counts them
  RS.drawCompare = function (parts) {
    const el = document.getElementById("view-compare");
    if (RS.numbered(parts)) {
      el.innerHTML = RS.oldLink("pair of environments");
      return;
    }
    const [a, b] = parts;
    const i = a ? RS.envIndex(a) : 0, j = b ? RS.envIndex(b) : RS.REF;
    const missing = [[a, i], [b, j]].find(([, k]) => k < 0);
    if (missing) {
      el.innerHTML = RS.unknown("The environment", missing[0], D.environments.length + " environments");
      return;
    }
    const cmp = RS.compare(i, j), counts = RS.summaryCounts(cmp);
    const kinds = Object.entries(cmp.structural).sort((x, y) => y[1].length - x[1].length || (x[0] < y[0] ? -1 : 1));
    const structure = kinds.map(([k, ids]) => '<li data-kind="' + esc(k) + '" data-count="' + ids.length + '"><details><summary>' +
      esc(k) + " in " + ids.length + " cases</summary>" + ids.map(caseLink).join(" ") + "</details></li>").join("");
    const worst = Object.entries(cmp.drift).filter(([, u]) => RS.bucket(u) === RS.overLabel())
      .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1)).slice(0, 3);
    const values = Object.entries(cmp.buckets).filter(([, ids]) => ids.length).map(([label, ids]) =>
      '<li data-kind="' + esc("values " + label) + '" data-count="' + ids.length + '"><details><summary>' + esc(label) + ": " +
      ids.length + " cases</summary>" + ids.map(caseLink).join(" ") + "</details>" +
      (label === RS.overLabel() ? "<ul>" + worst.map(([id, u]) => "<li>" + caseLink(id) + ": " + esc(RS.fmtUlp(u)) + "</li>").join("") + "</ul>" : "") +
      "</li>").join("");
    const families = D.families.filter((f) => cmp.families[f]).map((f) => {
      const ids = cmp.shared.filter((id) => RS.byId.get(id).fam.includes(f) &&
        (RS.structural(RS.sig(RS.byId.get(id), i), RS.sig(RS.byId.get(id), j)).length ||
          RS.bucket(RS.ulp(RS.byId.get(id), i, j) || 0) === RS.overLabel()));
      return '<li data-family="' + esc(f) + '"><details><summary>' + esc(RS.familyLine(f, cmp.families[f])) + "</summary>" +
        (ids.map(caseLink).join(" ") || "no case changes") + "</details></li>";
    }).join("");
    el.innerHTML = "<h2>Two environments side by side</h2><p>What <code>rnn-shapes compare A B</code> says (" + RS.source("compare") +
      "), computed here from each case's summary in each set.</p>" +
      '<form id="compare-form"><label>A <select id="compare-a">' + envOptions(i) + '</select></label> <label>B <select id="compare-b">' +
      envOptions(j) + "</select></label></form>" +
      '<h3 id="compare-title" data-shared="' + cmp.shared.length + '">' + esc(D.environments[i].name + " -> " + D.environments[j].name) +
      ": " + cmp.shared.length + " shared cases" + (cmp.identical ? " (identical)" : "") + "</h3>" +
      (cmp.onlyA.length || cmp.onlyB.length ? "<p>left out: " + cmp.onlyA.length + " cases only in A, " + cmp.onlyB.length + " only in B</p>" : "") +
      "<h4>by family (a case with several new axes counts in each)</h4><ul id=\"compare-families\">" + families + "</ul>" +
      (structure ? '<h4>structure</h4><ul id="compare-structure">' + structure + "</ul>" : "") +
      "<h4>values (cases whose outputs line up; ULPs of each output's dtype at its largest magnitude)</h4>" +
      '<ul id="compare-values">' + (values || "<li>no case to compare values on</li>") + "</ul>";
    el.dataset.counts = JSON.stringify(counts);
    const go = () => {
      location.hash = RS.link("compare", document.getElementById("compare-a").value, document.getElementById("compare-b").value);
    };
    document.getElementById("compare-a").addEventListener("change", go);
    document.getElementById("compare-b").addEventListener("change", go);
  };

  // ---- the -k search over case ids
  RS.drawSearch = function (expr) {
    const el = document.getElementById("view-search");
    if (!el.querySelector("#search-input")) {
      el.innerHTML = "<h2>Search cases</h2><p>The <code>-k</code> syntax of the command line (" + RS.source("select") +
        "): words match as case-insensitive substrings of the id, with <code>and</code>, <code>or</code>, <code>not</code> " +
        'and parentheses, e.g. <code>LSTM and bi-concat and not state1</code>.</p><form id="search-form"><input id="search-input" ' +
        'type="search" size="60" placeholder="-k expression" autocomplete="off"></form><p id="search-count"></p><ol id="search-results"></ol>';
      const input = el.querySelector("#search-input");
      input.addEventListener("input", () => run(input.value));
      el.querySelector("#search-form").addEventListener("submit", (ev) => {
        ev.preventDefault();
        history.replaceState(null, "", "#search/" + encodeURIComponent(input.value));
      });
    }
    const input = el.querySelector("#search-input");
    if (expr !== undefined && input.value !== expr) input.value = expr;
    run(input.value);
  };
  function run(expr) {
    const count = document.getElementById("search-count"), list = document.getElementById("search-results");
    count.classList.remove("error");
    if (!expr.trim()) {
      count.textContent = "Type an expression.";
      count.dataset.count = "";
      list.innerHTML = "";
      return;
    }
    let keep;
    try {
      keep = RS.parseK(expr);
    } catch (err) {
      count.textContent = err.message;
      count.classList.add("error");
      count.dataset.count = "";
      list.innerHTML = "";
      return;
    }
    const found = D.cases.filter((c) => keep(c.id));
    count.textContent = found.length + " of " + D.cases.length + " cases match";
    count.dataset.count = String(found.length);
    list.innerHTML = found.map((c) => "<li>" + caseLink(c.id) + "</li>").join("");
  }

  // ---- a case: its id spelled out, its model as code, its outputs per environment
  RS.drawCase = function (id) {
    const el = document.getElementById("view-case"), c = RS.byId.get(id);
    if (!c) {
      el.innerHTML = '<p class="error">No case ' + esc(id) + " in this matrix.</p>";
      return;
    }
    const set = new Map(c.axes.map((a) => [a[0], a]));
    const axes = D.axes.map((ax) => {
      const a = set.get(ax.field);
      if (ax.layers && !ax.layers.includes(c.layer)) {
        return '<tr class="default"><td>' + esc(ax.field) + "</td><td>not an option of " + esc(c.layer) + "</td><td></td><td>" +
          esc(ax.keyword || "") + "</td><td>" + esc(ax.family) + "</td></tr>";
      }
      return "<tr" + (a ? "" : ' class="default"') + "><td>" + esc(ax.field) + "</td><td>" + esc(JSON.stringify(a ? a[1] : ax.default)) +
        (a ? "" : " (default)") + "</td><td><code>" + esc(a ? a[2] : "") + "</code></td><td>" + esc(ax.keyword || "") + "</td><td>" +
        esc(ax.family) + "</td></tr>";
    }).join("");
    const envs = D.environments.map((e, i) => {
      const s = RS.sig(c, i);
      return "<tr><td>" + esc(e.label) + "</td><td>" + esc(RS.brief(s)) + "</td><td>" + esc(s && s[0] === "ok" ? RS.shapes(s) : s ? s[4] : "") +
        "</td><td>" + verdictText(c, i) + "</td><td>" + esc(RS.againstRef(c, i).join("; ") || "–") + "</td></tr>";
    }).join("");
    const t = RS.timeline(c);
    el.innerHTML = '<h2 class="case-id">' + esc(c.id) + "</h2><p>Families: " + esc(c.fam.join(", ")) + ". First change in release order: " +
      esc(t.first === null ? "none" : RS.label(t.first)) + ".</p>" +
      "<h3>What it returns</h3><p>Stretches of environments in release order, one lane per backend (the pre-release channel " +
      "its own), where the case returns the same (outcome, container, shapes and dtypes) with the same verdict; where values " +
      "move " + esc(RS.overLabel()) + " from one environment to the next is said after them.</p>" + RS.lanesHtml(c) +
      "<h3>The code to run it</h3><p>As " + RS.source("build") + " builds it, in Keras 3's spelling (Keras 2: <code>tf.keras</code>).</p>" +
      '<pre id="case-code"><code>' + esc(c.code) + "</code></pre>" +
      '<h3>Outputs per environment</h3><div class="table-wrap"><table class="list" id="case-envs"><thead><tr><th>environment</th>' +
      "<th>outcome</th><th>shapes and dtypes (or the refusal)</th><th>state</th><th>against the reference</th></tr></thead><tbody>" +
      envs + "</tbody></table></div>" +
      "<h3>The id spelled out</h3><p>Each axis of " + RS.source("axes") + ", the value the case gives it and its part of the id.</p>" +
      '<div class="table-wrap"><table class="list" id="case-axes"><thead><tr><th>axis</th><th>value</th><th>id part</th><th>Keras keyword</th>' +
      "<th>family</th></tr></thead><tbody>" + axes + "</tbody></table></div>";
  };

  // ---- a listed defect: what, where it shows (environments, backends), since and
  // until, its cases, its upstream link and what to do instead
  RS.drawDefect = function (name) {
    const el = document.getElementById("view-defect"), d = RS.defects.get(name);
    if (!d) {
      el.innerHTML = RS.unknown("The listed defect", name, D.defects.length + " entries of " + D.sources.defects);
      return;
    }
    const shows = (c, i) => { const v = RS.verdict(c, i); return v !== null && v.defects.includes(name); };
    const where = D.environments.map((e, i) => [i, D.cases.filter((c) => shows(c, i)).length]).filter(([, n]) => n);
    const cases = D.cases.filter((c) => where.some(([i]) => shows(c, i)));
    const envs = where.map(([i, n]) => '<tr data-env="' + esc(D.environments[i].name) + '"><td>' + esc(RS.label(i)) + "</td><td>" +
      esc(D.environments[i].name) + "</td><td>" + esc(D.environments[i].backend) + "</td><td>" + n + "</td></tr>").join("");
    const span = where.length ? "seen from " + RS.label(where[0][0]) + " to " + RS.label(where[where.length - 1][0]) +
      ", in " + where.length + " of " + D.environments.length + " environments" : "not seen in any set of this page";
    el.innerHTML = '<p><a href="#table">← support table</a></p><h2 class="defect-name">' + esc(d.label + " " + d.name) + "</h2>" +
      "<p>" + esc(d.reason) + "</p><ul>" +
      "<li>listed for Keras <code>" + esc(d.keras) + "</code> on " + esc(d.backends.join(", ")) + "; " + esc(span) + "</li>" +
      "<li>upstream: " + (d.upstream ? '<a class="upstream" href="' + esc(d.upstream) + '">' + esc(d.upstream) + "</a>"
        : "none found (" + RS.source("defects") + " says where it was searched for)") + "</li>" +
      "<li>instead: " + (d.instead ? esc(d.instead) : "no way round is listed") + "</li></ul>" +
      '<h3>Where it shows</h3><div class="table-wrap"><table class="list" id="defect-envs"><thead><tr><th>environment</th>' +
      "<th>name</th><th>backend</th><th>cases</th></tr></thead><tbody>" + envs + "</tbody></table></div>" +
      '<h3>Its cases (' + cases.length + ')</h3><p id="defect-cases">' + cases.map((c) => caseLink(c.id)).join(" ") + "</p>";
  };
})((window.RS = window.RS || {}));
