// The page: the support table with its filters, the provenance, and the routes
// (#table, #cell/<family>/<layer>/<environment>, #compare/<environment>/<environment>,
// #search/<expr>, #case/<id>, #defect/<name>: by name, so a link opens the same thing when a set is
// added); views.js draws the other views. Hash routes work from file:// and Pages alike.
"use strict";
(function (RS) {
  const D = RS.D, esc = RS.esc;
  const FILTERS = {
    layer: { label: "layer", values: Array.from(new Set(D.rows.map((r) => r[1]))), rows: true, of: (r) => r[1] },
    family: { label: "family", values: Array.from(new Set(D.rows.map((r) => r[0]))), rows: true, of: (r) => r[0] },
    backend: { label: "backend", values: Array.from(new Set(D.environments.map((e) => e.backend))), of: (e) => e.backend },
    keras_major: { label: "Keras major", values: Array.from(new Set(D.environments.map((e) => String(e.keras_major)))), of: (e) => String(e.keras_major) },
    channel: { label: "channel", values: ["stable", "pre-release"], of: (e) => e.channel },
  };
  const chosen = {};
  for (const [k, f] of Object.entries(FILTERS)) chosen[k] = new Set(f.values);

  function filterHtml() {
    return Object.entries(FILTERS).map(([k, f]) => {
      const boxes = f.values.map((v) => {
        const present = f.rows || D.environments.some((e) => f.of(e) === v);
        return '<label><input type="checkbox" data-filter="' + k + '" value="' + esc(v) + '" checked' +
          (present ? "" : " disabled") + "> " + esc(v) + (present ? "" : " (none yet)") + "</label>";
      });
      return '<fieldset class="filter" id="filter-' + k + '"><legend>' + esc(f.label) + "</legend>" + boxes.join("") + "</fieldset>";
    }).join("");
  }

  function visibleEnvs() {
    return D.environments.map((e, i) => i).filter((i) =>
      ["backend", "keras_major", "channel"].every((k) => chosen[k].has(FILTERS[k].of(D.environments[i]))));
  }
  function visibleRows() {
    return D.rows.map((r, i) => i).filter((i) => ["layer", "family"].every((k) => chosen[k].has(FILTERS[k].of(D.rows[i]))));
  }

  function bar(cell) {
    return D.states.filter((s) => cell.states[s]).map((s) =>
      '<span style="flex:' + cell.states[s] + ";background:" + D.colours[s] + '"></span>').join("");
  }
  // the cell in symbols, one state a line, so it reads without colour
  function symbols(cell) {
    if (!cell.states.refused && !cell.states.differs && !cell.states.defect) return "<span>✓</span>";
    const out = [];
    if (cell.states.agrees) out.push("✓" + cell.states.agrees);
    if (cell.states.differs) out.push("≠" + cell.states.differs);
    for (const [label, n] of Object.entries(cell.defects)) out.push(label, n); // a line each: narrow
    if (cell.states.refused) out.push("⊘" + cell.states.refused);
    return out.map((s) => "<span>" + s + "</span>").join("");
  }

  function drawTable() {
    const envs = visibleEnvs(), rows = visibleRows();
    const head = "<tr><th>family</th><th>layer</th>" + envs.map((i) =>
      '<th class="env" data-env="' + esc(D.environments[i].name) + '" title="' + esc(D.environments[i].name) + '"><span>' +
      esc(RS.label(i)) + "</span></th>").join("") + "</tr>";
    const body = rows.map((ri) => {
      const [fam, layer] = D.rows[ri];
      const tds = envs.map((i) => {
        const cell = D.cells[ri][i];
        if (!cell) return '<td class="empty">-</td>';
        return '<td class="cell" data-row="' + ri + '" data-env="' + i + '" title="' + esc(cell.text) + '"><a href="' +
          esc(RS.cellLink(ri, i)) + '"><span class="bar">' + bar(cell) + '</span><span class="sym">' + symbols(cell) + "</span></a></td>";
      }).join("");
      return '<tr data-family="' + esc(fam) + '" data-layer="' + esc(layer) + '"><th>' + esc(fam) + "</th><th>" + esc(layer) + "</th>" + tds + "</tr>";
    }).join("");
    document.getElementById("support").innerHTML = "<thead>" + head + "</thead><tbody>" + body + "</tbody>";
    document.getElementById("shown").textContent = rows.length + " of " + D.rows.length + " rows, " + envs.length + " of " +
      D.environments.length + " environments";
  }

  function drawTableView() {
    const legend = D.states.map((s) => '<span class="key"><span class="swatch" style="background:' + D.colours[s] + '"></span>' +
      RS.SYMBOL[s] + " " + esc(s) + "</span>").join(" ");
    document.getElementById("view-table").innerHTML =
      "<h2>Support table</h2><p>Per semantic family and layer, what each environment does, against " +
      "<b>" + esc(D.reference) + "</b>; columns in release order. ✓ every case agrees with the NumPy oracle, its version's rules " +
      "(" + RS.source("rules") + ") and the reference; ≠n cases differ from the reference as those rules allow; ⊘n cases Keras " +
      "refuses as its rules say; Dn cases show a listed defect (" + RS.source("defects") + "). Open a cell for its cases.</p>" +
      '<form id="filters">' + filterHtml() + "</form>" + '<p class="legend">' + legend + ' <span id="shown"></span></p>' +
      '<div class="table-wrap"><table id="support"></table></div>';
    document.getElementById("filters").addEventListener("change", (ev) => {
      const box = ev.target;
      if (box.checked) chosen[box.dataset.filter].add(box.value);
      else chosen[box.dataset.filter].delete(box.value);
      drawTable();
    });
    drawTable();
  }

  function drawProvenance() {
    const sets = D.environments.map((e) =>
      "<tr><td>" + esc(e.label) + "</td><td>" + esc(e.name) + "</td><td><code>" + esc(e.path) + "</code></td><td><code>" +
      esc(e.sha256.slice(0, 12)) + "</code></td><td>" + esc(e.tensorflow) + "</td><td>" + esc(e.keras) + "</td><td>" +
      esc(e.backend) + "</td><td>" + esc(e.channel) + "</td><td>" + e.cases + "</td></tr>").join("");
    const sources = Object.entries(D.sources).map(([k, p]) => "<li>" + esc(k) + ": " + RS.source(p) + "</li>").join("");
    document.getElementById("provenance").innerHTML = "Generated " + esc(D.generated) + " by <code>rnn-shapes report --html</code> from " +
      D.environments.length + " golden sets of matrix " + esc(D.matrix) + ' (<a href="#sets">listed below</a>), ' + D.cases.length + " cases each.";
    document.getElementById("sets").innerHTML = "<h2>Golden sets this page was generated from</h2>" +
      '<div class="table-wrap"><table class="list"><thead><tr><th>column</th><th>environment</th><th>file</th><th>sha256</th>' +
      "<th>tensorflow</th><th>keras</th><th>backend</th><th>channel</th><th>cases</th></tr></thead><tbody>" + sets +
      "</tbody></table></div><h2>Rules and sources</h2><ul>" + sources + "</ul>";
  }

  const VIEWS = ["table", "cell", "compare", "search", "case", "defect"];
  function route() {
    const [name, ...rest] = location.hash.slice(1).split("/").map((p) => {
      try {
        return decodeURIComponent(p);
      } catch (e) {
        return p; // a stray %: the segment as written
      }
    });
    const view = VIEWS.includes(name) ? name : "table";
    for (const v of VIEWS) document.getElementById("view-" + v).hidden = v !== view;
    for (const a of document.querySelectorAll("nav a")) a.classList.toggle("current", a.dataset.view === view);
    if (view === "cell") RS.drawCell(rest);
    if (view === "compare") RS.drawCompare(rest);
    if (view === "search") RS.drawSearch(rest.join("/"));
    if (view === "case") RS.drawCase(rest.join("/"));
    if (view === "defect") RS.drawDefect(rest.join("/"));
    if (name === "sets") document.getElementById("sets").scrollIntoView();
  }

  drawProvenance();
  drawTableView();
  window.addEventListener("hashchange", route);
  route();
  RS.readyMs = performance.now();
  document.body.dataset.ready = "1";
})((window.RS = window.RS || {}));
