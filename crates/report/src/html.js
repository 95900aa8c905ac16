// The HTML report's one script: the findings table (filter, sort, pages)
// and in-page navigation. Every value from the report is written with
// textContent or setAttribute, never as markup.
"use strict";
(function () {
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var findings = data.findings;
  var PAGE = 100;
  var RANK = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };
  var state = { q: "", severity: "", rule: "", account: "", region: "", focus: "", sort: "severity", dir: 1, page: 0 };
  var body = document.querySelector("#findings tbody");
  var status = document.getElementById("status");

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function severityOf(f) { return f.not_assessed ? "not assessed" : f.severity; }

  function haystack(f) {
    if (!f._text) {
      var loc = f.location ? [f.location.file, f.location.address, f.location.logical_id].join(" ") : "";
      f._text = [f.rule, f.name, f.outcome, severityOf(f), f.account_id, f.account_name, f.region,
        f.resource_type, f.resource_id, f.resource_name, f.resource_arn, f.message, loc]
        .filter(function (x) { return x; }).join("\n").toLowerCase();
    }
    return f._text;
  }

  function fill(id, values) {
    var select = document.getElementById(id);
    values.forEach(function (v) {
      var o = el("option", null, v);
      o.value = v;
      select.appendChild(o);
    });
    select.addEventListener("change", function () {
      state[id.slice(2)] = select.value;
      state.page = 0;
      render();
    });
  }

  function distinct(key) {
    var seen = {};
    findings.forEach(function (f) { seen[f[key]] = true; });
    return Object.keys(seen).sort();
  }

  function matches(f) {
    if (state.focus) return f.fingerprint === state.focus;
    if (state.severity && (state.severity === "not-assessed" ? !f.not_assessed : (f.not_assessed || f.severity !== state.severity))) return false;
    if (state.rule && f.rule !== state.rule) return false;
    if (state.account && f.account_id !== state.account) return false;
    if (state.region && f.region !== state.region) return false;
    if (state.q) {
      var words = state.q.toLowerCase().split(/\s+/).filter(function (w) { return w; });
      var text = haystack(f);
      for (var i = 0; i < words.length; i++) if (text.indexOf(words[i]) < 0) return false;
    }
    return true;
  }

  function compare(a, b) {
    var k = state.sort, x, y;
    if (k === "severity") {
      x = a.not_assessed ? -1 : RANK[a.severity];
      y = b.not_assessed ? -1 : RANK[b.severity];
    } else if (k === "resource") {
      x = a.resource_name || a.resource_id; y = b.resource_name || b.resource_id;
    } else {
      x = a[k] || ""; y = b[k] || "";
    }
    if (x < y) return -state.dir;
    if (x > y) return state.dir;
    return a._index - b._index;
  }

  function row(f) {
    var tr = el("tr", "finding sev-" + (f.not_assessed ? "unknown" : f.severity));
    tr.id = "f-" + f.fingerprint;
    tr.setAttribute("data-rule", f.rule);
    tr.setAttribute("data-severity", f.severity);
    tr.setAttribute("data-fingerprint", f.fingerprint);
    tr.appendChild(el("td", "sev", severityOf(f)));
    var rule = el("td", "rule");
    var link = el("a", "rule-link", f.rule);
    link.setAttribute("href", "#rule-" + f.rule);
    rule.appendChild(link);
    rule.appendChild(el("div", "muted", f.name));
    tr.appendChild(rule);
    var account = el("td", "account", f.account_id);
    if (f.account_name) account.appendChild(el("div", "muted", f.account_name));
    tr.appendChild(account);
    tr.appendChild(el("td", "region", f.region));
    var res = el("td", "resource");
    if (f.resource_name) res.appendChild(el("div", "name", f.resource_name));
    res.appendChild(el("div", "id", f.resource_id));
    res.appendChild(el("div", "muted", f.resource_type));
    if (f.resource_arn) res.appendChild(el("div", "arn", f.resource_arn));
    if (f.location) {
      var where = f.location.file + ":" + f.location.line + ":" + f.location.column;
      res.appendChild(el("div", "loc", where));
      var addr = f.location.address || f.location.logical_id;
      if (addr) res.appendChild(el("div", "muted", addr));
    }
    tr.appendChild(res);
    tr.appendChild(el("td", "msg", f.message));
    return tr;
  }

  function render() {
    var shown = findings.filter(matches);
    shown.sort(compare);
    var pages = Math.max(1, Math.ceil(shown.length / PAGE));
    if (state.page >= pages) state.page = pages - 1;
    var start = state.page * PAGE;
    var frag = document.createDocumentFragment();
    shown.slice(start, start + PAGE).forEach(function (f) { frag.appendChild(row(f)); });
    while (body.firstChild) body.removeChild(body.firstChild);
    body.appendChild(frag);
    status.textContent = shown.length === 0
      ? "No finding matches."
      : "Findings " + (start + 1) + "–" + Math.min(start + PAGE, shown.length) + " of " + shown.length +
        (shown.length === findings.length ? "" : " (filtered from " + findings.length + ")") +
        ", page " + (state.page + 1) + " of " + pages;
    document.getElementById("prev").disabled = state.page === 0;
    document.getElementById("next").disabled = state.page >= pages - 1;
    document.getElementById("show-all").hidden = !state.focus;
    document.querySelectorAll("#findings th[data-sort]").forEach(function (th) {
      th.setAttribute("aria-sort", th.getAttribute("data-sort") === state.sort ? (state.dir > 0 ? "ascending" : "descending") : "none");
    });
  }

  function navigate() {
    var hash = decodeURIComponent(location.hash.slice(1));
    if (hash.indexOf("f-") === 0) {
      state.focus = hash.slice(2);
      render();
      var target = document.getElementById(hash);
      if (target) target.scrollIntoView();
    } else if (hash.indexOf("rule-") === 0) {
      var page = document.getElementById(hash);
      if (page) { page.open = true; page.scrollIntoView(); }
    }
  }

  findings.forEach(function (f, i) { f._index = i; });
  fill("f-rule", distinct("rule"));
  fill("f-account", distinct("account_id"));
  fill("f-region", distinct("region"));
  var sev = document.getElementById("f-severity");
  sev.addEventListener("change", function () { state.severity = sev.value; state.page = 0; render(); });
  var q = document.getElementById("q");
  q.addEventListener("input", function () { state.q = q.value; state.focus = ""; state.page = 0; render(); });
  document.getElementById("prev").addEventListener("click", function () { state.page -= 1; render(); });
  document.getElementById("next").addEventListener("click", function () { state.page += 1; render(); });
  document.getElementById("show-all").addEventListener("click", function () {
    state.focus = "";
    history.replaceState(null, "", location.pathname + location.search);
    render();
  });
  document.querySelectorAll("#findings th[data-sort]").forEach(function (th) {
    th.addEventListener("click", function () {
      var k = th.getAttribute("data-sort");
      state.dir = state.sort === k ? -state.dir : 1;
      state.sort = k;
      render();
    });
  });
  window.addEventListener("hashchange", navigate);
  render();
  if (location.hash) navigate();
})();
