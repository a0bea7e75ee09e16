/* plaincrm customer index: facets, text filter, sorting, URL state and CSV of the current view.
 *
 * The data comes from customers/index-data.js, loaded by the page (a script, so the site
 * also works opened from a folder). Rows are drawn in pages of PAGE_SIZE and only after typing pauses, so
 * 10,000 customers stay responsive. Every value is put in the page with textContent:
 * nothing from a record is parsed as HTML; record text beside other text is in a <bdi>.
 */
(function () {
  "use strict";

  var PAGE_SIZE = 200;
  var DEBOUNCE_MS = 150;

  function init() {
    var root = document.querySelector(".pcrm-index");
    var data = window.plaincrmIndex;
    if (!root || !data || root.dataset.ready) return;
    root.dataset.ready = "1";
    new CustomerIndex(root, data);
  }

  function CustomerIndex(root, data) {
    var self = this;
    this.root = root;
    this.data = data;
    this.col = Object.create(null);
    data.columns.forEach(function (name, i) { self.col[name] = i; });
    this.rows = data.rows.map(function (row) {
      return { row: row, haystack: (row[0] + " " + row[1] + " " + row[3]).toLowerCase() };
    });
    this.input = root.querySelector(".pcrm-filter");
    this.facetsEl = root.querySelector(".pcrm-facets");
    this.thead = root.querySelector("thead");
    this.tbody = root.querySelector("tbody");
    this.status = root.querySelector(".pcrm-status");
    this.more = root.querySelector(".pcrm-more");
    this.readUrl();
    this.drawHead();
    var timer = null;
    this.input.value = this.query;
    this.input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { self.query = self.input.value; self.update(); }, DEBOUNCE_MS);
    });
    root.querySelector(".pcrm-clear").addEventListener("click", function () {
      self.query = ""; self.input.value = ""; self.selected = Object.create(null); self.update();
    });
    root.querySelector(".pcrm-csv").addEventListener("click", function () { self.downloadCsv(); });
    this.more.addEventListener("click", function () { self.shown += PAGE_SIZE; self.drawRows(); });
    this.update();
  }

  CustomerIndex.prototype.readUrl = function () {
    var params = new URLSearchParams(window.location.search);
    var self = this;
    this.query = params.get("q") || "";
    this.sort = params.get("sort") || "name";
    this.desc = params.get("desc") === "1";
    this.selected = Object.create(null);
    this.data.facets.forEach(function (facet) {
      var values = params.getAll(facet);
      if (values.length) self.selected[facet] = values;
    });
  };

  CustomerIndex.prototype.writeUrl = function () {
    var params = new URLSearchParams();
    var self = this;
    if (this.query) params.set("q", this.query);
    if (this.sort !== "name") params.set("sort", this.sort);
    if (this.desc) params.set("desc", "1");
    this.data.facets.forEach(function (facet) {
      (self.selected[facet] || []).forEach(function (v) { params.append(facet, v); });
    });
    var search = params.toString();
    var url = window.location.pathname + (search ? "?" + search : "") + window.location.hash;
    try { window.history.replaceState(null, "", url); } catch (e) { /* file:// in some browsers */ }
  };

  CustomerIndex.prototype.matchesQuery = function (entry, words) {
    for (var w = 0; w < words.length; w++) {
      if (words[w] && entry.haystack.indexOf(words[w]) === -1) return false;
    }
    return true;
  };

  // entry.queryOk is set once per update; facets are checked here, one of them skipped for its own counts
  CustomerIndex.prototype.matches = function (entry, skipFacet) {
    if (!entry.queryOk) return false;
    for (var facet in this.selected) {
      if (facet === skipFacet) continue;
      var wanted = this.selected[facet];
      if (!wanted.length) continue;
      var have = entry.row[this.col[facet]];
      var ok = false;
      for (var i = 0; i < have.length && !ok; i++) ok = wanted.indexOf(have[i]) !== -1;
      if (!ok) return false;
    }
    return true;
  };

  CustomerIndex.prototype.update = function () {
    var self = this;
    var words = this.query.toLowerCase().split(/\s+/);
    this.rows.forEach(function (e) { e.queryOk = self.matchesQuery(e, words); });
    this.matched = this.rows.filter(function (e) { return self.matches(e, null); });
    var key = this.col[this.sort] !== undefined ? this.col[this.sort] : this.col.name;
    var desc = this.desc ? -1 : 1;
    this.matched.sort(function (a, b) {
      var x = a.row[key], y = b.row[key];
      if (Array.isArray(x)) { x = x.join(","); y = y.join(","); }
      if (x < y) return -desc;
      if (x > y) return desc;
      return a.row[0] < b.row[0] ? -1 : 1;
    });
    this.shown = PAGE_SIZE;
    this.drawFacets();
    this.drawRows();
    this.writeUrl();
  };

  CustomerIndex.prototype.drawFacets = function () {
    var self = this;
    var data = this.data;
    this.facetsEl.textContent = "";
    data.facets.forEach(function (facet) {
      var counts = Object.create(null); // a tag may be named "constructor"
      self.rows.forEach(function (e) {
        if (!self.matches(e, facet)) return;
        e.row[self.col[facet]].forEach(function (v) { counts[v] = (counts[v] || 0) + 1; });
      });
      var box = el("fieldset", "pcrm-facet");
      box.appendChild(el("legend", null, data.facet_titles[facet]));
      var values = Object.keys(data.labels[facet]);
      values.sort(function (a, b) { return (counts[b] || 0) - (counts[a] || 0) || (a < b ? -1 : 1); });
      values.forEach(function (value) {
        var checked = (self.selected[facet] || []).indexOf(value) !== -1;
        if (!counts[value] && !checked) return;
        var label = el("label", "pcrm-facet-value");
        var box2 = document.createElement("input");
        box2.type = "checkbox";
        box2.checked = checked;
        box2.dataset.facet = facet;
        box2.value = value;
        box2.addEventListener("change", function () {
          var list = self.selected[facet] || (self.selected[facet] = []);
          if (box2.checked) list.push(value);
          else list.splice(list.indexOf(value), 1);
          self.update();
        });
        label.appendChild(box2);
        label.appendChild(document.createTextNode(" "));
        label.appendChild(el("bdi", null, data.labels[facet][value])); // a label's bidi controls stay inside it
        label.appendChild(document.createTextNode(" "));
        label.appendChild(el("span", "pcrm-count", String(counts[value] || 0)));
        box.appendChild(label);
      });
      self.facetsEl.appendChild(box);
    });
  };

  var HEAD = ["freshness", "id", "name", "cooperation", "tier", "owner", "last_contact", "order_total"];

  CustomerIndex.prototype.drawHead = function () {
    var self = this;
    var t = this.data.text;
    var titles = {
      freshness: "", id: t.id, name: t.name, cooperation: this.data.facet_titles.cooperation,
      tier: this.data.facet_titles.tier, owner: this.data.facet_titles.owner,
      last_contact: t.last_contact, order_total: t.order_total
    };
    var tr = document.createElement("tr");
    HEAD.forEach(function (name) {
      var th = el("th", "pcrm-sortable", titles[name]);
      th.dataset.sort = name;
      th.addEventListener("click", function () {
        if (self.sort === name) self.desc = !self.desc;
        else { self.sort = name; self.desc = name === "order_total" || name === "last_contact"; }
        self.update();
      });
      tr.appendChild(th);
    });
    this.thead.appendChild(tr);
  };

  CustomerIndex.prototype.drawRows = function () {
    var self = this;
    var data = this.data;
    var fragment = document.createDocumentFragment();
    this.matched.slice(0, this.shown).forEach(function (e) {
      var r = e.row;
      var tr = document.createElement("tr");
      var dot = el("span", "pcrm-dot pcrm-" + r[self.col.freshness]);
      dot.title = data.freshness_labels[r[self.col.freshness]] || "";
      tr.appendChild(cell(dot));
      tr.appendChild(cell(null, r[self.col.id]));
      var a = document.createElement("a");
      a.href = r[self.col.url];
      a.appendChild(el("bdi", null, r[self.col.name]));
      tr.appendChild(cell(a));
      ["cooperation", "tier", "owner"].forEach(function (facet) {
        var td = cell(null, "");
        r[self.col[facet]].forEach(function (v, i) {
          if (i) td.appendChild(document.createTextNode(", "));
          td.appendChild(el("bdi", null, data.labels[facet][v]));
        });
        tr.appendChild(td);
      });
      tr.appendChild(cell(null, r[self.col.last_contact] || data.text.never));
      var amount = cell(null, Number(r[self.col.order_total]).toLocaleString());
      amount.className = "pcrm-num";
      tr.appendChild(amount);
      fragment.appendChild(tr);
    });
    this.tbody.textContent = "";
    this.tbody.appendChild(fragment);
    var shown = Math.min(this.shown, this.matched.length);
    this.status.textContent = data.text.showing + " " + shown + " " + data.text.of + " " + this.matched.length +
      " (" + this.rows.length + ")";
    this.more.hidden = shown >= this.matched.length;
  };

  CustomerIndex.prototype.downloadCsv = function () {
    var self = this;
    var data = this.data;
    var facets = data.facets;
    var header = [data.text.id, data.text.name].concat(facets.map(function (f) { return data.facet_titles[f]; }))
      .concat([data.text.last_contact, data.text.order_total, data.text.freshness]);
    var formula = new RegExp("^(?:" + data.formula + ")");
    function csvCell(value) {
      var text = value === null || value === undefined ? "" : String(value);
      if (formula.test(text)) text = "'" + text; // no formulas in a spreadsheet
      return /[",\r\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
    }
    var lines = [header.map(csvCell).join(",")];
    this.matched.forEach(function (e) {
      var r = e.row;
      var cells = [r[self.col.id], r[self.col.name]];
      facets.forEach(function (f) {
        cells.push(r[self.col[f]].map(function (v) { return data.labels[f][v]; }).join("; "));
      });
      cells.push(r[self.col.last_contact], String(r[self.col.order_total]), data.freshness_labels[r[self.col.freshness]]);
      lines.push(cells.map(csvCell).join(","));
    });
    var blob = new Blob(["\ufeff" + lines.join("\r\n") + "\r\n"], { type: "text/csv;charset=utf-8" });
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = "customers.csv";
    document.body.appendChild(link);
    link.click();
    setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 0);
  };

  function el(tag, className, textValue) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (textValue !== undefined && textValue !== null) node.textContent = textValue;
    return node;
  }

  function cell(child, textValue) {
    var td = document.createElement("td");
    if (child) td.appendChild(child);
    else td.textContent = textValue;
    return td;
  }

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
