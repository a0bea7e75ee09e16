/* plaincrm customer index: facets, text filter, sorting, columns, URL state and CSV of the current view;
 * and, on every page, the column label of each table cell (the phone layout shows rows as labelled cards).
 * The same table serves segment and owner pages: their root carries a fixed filter (data-fixed="tier=key"),
 * the default sort (data-sort) and the way from the page to the rows' links (data-base); it replaces the
 * most urgent rows the page holds as HTML (.pcrm-static) once it has the data.
 *
 * The data comes from customers/index-data.js, loaded by the page (a script, so the site
 * also works opened from a folder). Rows are drawn in pages of PAGE_SIZE and only after typing pauses, so
 * 10,000 customers stay responsive. Every value is put in the page with textContent:
 * nothing from a record is parsed as HTML; record text beside other text is in a <bdi>.
 * The URL holds the whole view (a link to it reopens it); the browser remembers the columns and
 * "my customers" (localStorage), never the records.
 */
(function () {
  "use strict";

  var PAGE_SIZE = 200;
  var DEBOUNCE_MS = 150;
  var HEAD = ["freshness", "id", "name", "cooperation", "tier", "owner", "last_contact", "order_total"];
  var FACET_COLUMNS = ["cooperation", "tier", "owner"];
  var STORE_COLUMNS = "plaincrm.columns";
  var STORE_MINE = "plaincrm.mine";

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("table.pcrm-table"), labelCells);
    var root = document.querySelector(".pcrm-index");
    var data = window.plaincrmIndex;
    if (!root || !data || root.dataset.ready) return;
    root.dataset.ready = "1";
    new CustomerIndex(root, data);
    var rendered = root.parentNode.querySelector(".pcrm-static");
    if (rendered) rendered.remove(); // the same rows come first in the table
    root.hidden = false;
  }

  function CustomerIndex(root, data) {
    var self = this;
    this.root = root;
    this.data = data;
    this.col = Object.create(null);
    data.columns.forEach(function (name, i) { self.col[name] = i; });
    this.fixed = Object.create(null);
    new URLSearchParams(root.dataset.fixed || "").forEach(function (value, facet) { self.fixed[facet] = value; });
    this.facets = data.facets.filter(function (facet) { return !(facet in self.fixed); });
    this.defaultSort = HEAD.indexOf(root.dataset.sort) !== -1 ? root.dataset.sort : "name";
    this.base = root.dataset.base || "";
    this.rows = data.rows.filter(function (row) {
      for (var facet in self.fixed) {
        if (row[self.col[facet]].indexOf(self.fixed[facet]) === -1) return false;
      }
      return true;
    }).map(function (row, index) {
      return { row: row, index: index, haystack: (row[0] + " " + row[1] + " " + row[3]).toLowerCase() };
    });
    this.compareText = textComparer(document.documentElement.lang);
    this.ranks = Object.create(null);
    this.input = root.querySelector(".pcrm-filter");
    this.facetsEl = root.querySelector(".pcrm-facets");
    this.table = root.querySelector(".pcrm-index-table");
    this.thead = root.querySelector("thead");
    this.tbody = root.querySelector("tbody");
    this.status = root.querySelector(".pcrm-status");
    this.empty = root.querySelector(".pcrm-empty");
    this.more = root.querySelector(".pcrm-more");
    this.viewLink = root.querySelector(".pcrm-view-link");
    this.mineButton = root.querySelector(".pcrm-mine");
    this.rememberButton = root.querySelector(".pcrm-remember");
    this.toggle = root.querySelector(".pcrm-facets-toggle");
    this.readUrl();
    this.buildFacets();
    this.buildChooser();
    this.drawHead();
    var timer = null;
    this.input.value = this.query;
    this.input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { self.query = self.input.value; self.update(); }, DEBOUNCE_MS);
    });
    Array.prototype.forEach.call(root.querySelectorAll(".pcrm-clear"), function (button) {
      button.addEventListener("click", function () {
        self.query = ""; self.input.value = ""; self.selected = Object.create(null); self.update();
      });
    });
    this.toggle.addEventListener("click", function () {
      var open = root.classList.toggle("pcrm-facets-open");
      self.toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
    this.mineButton.addEventListener("click", function () {
      self.query = ""; self.input.value = "";
      self.selected = Object.create(null);
      self.selected.owner = self.mine();
      self.update();
    });
    this.rememberButton.addEventListener("click", function () {
      store(STORE_MINE, JSON.stringify(self.selected.owner || []));
      self.drawMine();
    });
    root.querySelector(".pcrm-csv").addEventListener("click", function () { self.downloadCsv(); });
    this.more.addEventListener("click", function () { self.shown += PAGE_SIZE; self.drawRows(); });
    this.update();
  }

  // The owners this browser remembers as "mine", those still in the records.
  CustomerIndex.prototype.mine = function () {
    var owners = this.data.labels.owner;
    var saved;
    try { saved = JSON.parse(stored(STORE_MINE) || "[]"); } catch (e) { saved = []; }
    return Array.isArray(saved) ? saved.filter(function (h) { return Object.prototype.hasOwnProperty.call(owners, h); }) : [];
  };

  CustomerIndex.prototype.drawMine = function () {
    var self = this;
    var mine = "owner" in this.fixed ? [] : this.mine(); // an owner's page: one owner already
    this.mineButton.hidden = !mine.length;
    this.mineButton.title = mine.map(function (h) { return self.data.labels.owner[h]; }).join(", ");
    var chosen = (this.selected.owner || []).slice().sort();
    this.rememberButton.hidden = !chosen.length || "owner" in this.fixed || chosen.join("\n") === mine.slice().sort().join("\n");
  };

  CustomerIndex.prototype.readUrl = function () {
    var params = new URLSearchParams(window.location.search);
    var self = this;
    this.query = params.get("q") || "";
    this.sort = HEAD.indexOf(params.get("sort")) !== -1 ? params.get("sort") : this.defaultSort;
    this.desc = params.get("desc") === "1";
    this.columns = readColumns(params.get("cols")) || readColumns(stored(STORE_COLUMNS)) || HEAD.slice();
    this.selected = Object.create(null);
    this.facets.forEach(function (facet) {
      var values = params.getAll(facet);
      if (values.length) self.selected[facet] = values;
    });
  };

  CustomerIndex.prototype.writeUrl = function () {
    var params = new URLSearchParams();
    var self = this;
    if (this.query) params.set("q", this.query);
    if (this.sort !== this.defaultSort) params.set("sort", this.sort);
    if (this.desc) params.set("desc", "1");
    if (this.columns.length !== HEAD.length) params.set("cols", this.columns.join(","));
    this.facets.forEach(function (facet) {
      (self.selected[facet] || []).forEach(function (v) { params.append(facet, v); });
    });
    var search = params.toString();
    var url = window.location.pathname + (search ? "?" + search : "") + window.location.hash;
    try { window.history.replaceState(null, "", url); } catch (e) { /* file:// in some browsers */ }
    this.viewLink.href = url;
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
    var rank = this.rank(this.sort);
    var byName = this.rank("name");
    var desc = this.desc ? -1 : 1;
    this.matched.sort(function (a, b) {
      return (rank[a.index] - rank[b.index]) * desc || byName[a.index] - byName[b.index] || a.index - b.index;
    });
    this.shown = PAGE_SIZE;
    this.drawFacets();
    this.markSort();
    this.drawRows();
    this.drawMine();
    this.writeUrl();
  };

  // What a column sorts by: the text shown in it (labels, not stored values), the amount as a number;
  // freshness by urgency (the data lists the values most urgent first), then the longest without
  // contact, never first: the order of the rows segment and owner pages show as HTML (pages.by_urgency).
  CustomerIndex.prototype.sortValue = function (name, row) {
    var data = this.data;
    if (name === "order_total") return Number(row[this.col.order_total]);
    if (name === "freshness") {
      var contact = row[this.col.last_contact];
      var day = contact ? Date.parse(contact) / 864e5 : -1e5;
      return Object.keys(data.freshness_labels).indexOf(row[this.col.freshness]) * 1e6 + day;
    }
    if (FACET_COLUMNS.indexOf(name) !== -1) {
      return row[this.col[name]].map(function (v) { return data.labels[name][v]; }).join(", ");
    }
    return row[this.col[name]];
  };

  // Each row's place in one column's order (equal values share it), computed once per column:
  // re-sorting 10,000 rows then compares numbers, not collated text.
  CustomerIndex.prototype.rank = function (name) {
    if (this.ranks[name]) return this.ranks[name];
    var self = this;
    var values = this.rows.map(function (e) { return self.sortValue(name, e.row); });
    var compare = typeof values[0] === "number" ? function (x, y) { return x - y; } : this.compareText;
    var order = this.rows.map(function (e) { return e.index; });
    order.sort(function (a, b) { return compare(values[a], values[b]); });
    var rank = new Array(order.length);
    order.forEach(function (index, i) {
      var before = order[i - 1];
      rank[index] = i && compare(values[before], values[index]) === 0 ? rank[before] : i;
    });
    return (this.ranks[name] = rank);
  };

  // The facet lists are drawn once, in an order fixed by the whole data set (most customers
  // first): choosing a value changes counts, never where a value sits under the pointer.
  // A value named by the URL but absent from the records is listed too, checked, so a stale
  // link shows what it filters by and can be undone.
  CustomerIndex.prototype.buildFacets = function () {
    var self = this;
    var data = this.data;
    this.facetBoxes = [];
    this.unknown = [];
    this.facets.forEach(function (facet) {
      var total = Object.create(null); // a tag may be named "constructor"
      self.rows.forEach(function (e) {
        e.row[self.col[facet]].forEach(function (v) { total[v] = (total[v] || 0) + 1; });
      });
      var labels = data.labels[facet];
      var values = Object.keys(labels);
      values.sort(function (a, b) { return total[b] - total[a] || self.compareText(labels[a], labels[b]); });
      (self.selected[facet] || []).forEach(function (v) {
        if (Object.prototype.hasOwnProperty.call(labels, v)) return;
        values.push(v);
        self.unknown.push({ facet: facet, value: v });
      });
      var box = el("fieldset", "pcrm-facet");
      box.appendChild(el("legend", null, data.facet_titles[facet]));
      values.forEach(function (value) {
        var label = el("label", "pcrm-facet-value");
        var input = document.createElement("input");
        input.type = "checkbox";
        input.dataset.facet = facet;
        input.value = value;
        input.addEventListener("change", function () {
          var list = self.selected[facet] || (self.selected[facet] = []);
          if (input.checked) list.push(value);
          else list.splice(list.indexOf(value), 1);
          self.update();
        });
        var count = el("span", "pcrm-count");
        label.appendChild(input);
        label.appendChild(document.createTextNode(" "));
        // a label's bidi controls stay inside it
        label.appendChild(el("bdi", null, Object.prototype.hasOwnProperty.call(labels, value) ? labels[value] : value));
        label.appendChild(document.createTextNode(" "));
        label.appendChild(count);
        box.appendChild(label);
        self.facetBoxes.push({ facet: facet, value: value, input: input, label: label, count: count });
      });
      self.facetsEl.insertBefore(box, self.rememberButton);
    });
  };

  CustomerIndex.prototype.drawFacets = function () {
    var self = this;
    var counts = Object.create(null);
    var active = 0;
    this.facets.forEach(function (facet) {
      var c = (counts[facet] = Object.create(null));
      self.rows.forEach(function (e) {
        if (!self.matches(e, facet)) return;
        e.row[self.col[facet]].forEach(function (v) { c[v] = (c[v] || 0) + 1; });
      });
      active += (self.selected[facet] || []).length;
    });
    this.facetBoxes.forEach(function (b) {
      var n = counts[b.facet][b.value] || 0;
      b.input.checked = (self.selected[b.facet] || []).indexOf(b.value) !== -1;
      b.count.textContent = String(n);
      b.label.classList.toggle("pcrm-zero", !n);
    });
    this.toggle.textContent = this.data.text.filters + (active ? " (" + active + ")" : "");
  };

  CustomerIndex.prototype.titles = function () {
    var t = this.data.text;
    var f = this.data.facet_titles;
    return {
      freshness: t.freshness, id: t.id, name: t.name, cooperation: f.cooperation, tier: f.tier, owner: f.owner,
      last_contact: t.last_contact, order_total: t.order_total
    };
  };

  // Each header is a button (Enter and Space sort, as a click does); the sorted one carries
  // aria-sort and an arrow. Drawn again only when the columns change, so focus stays put.
  CustomerIndex.prototype.drawHead = function () {
    var self = this;
    var titles = this.titles();
    var tr = document.createElement("tr");
    this.heads = Object.create(null);
    this.columns.forEach(function (name) {
      var th = el("th", "pcrm-sortable");
      th.dataset.label = titles[name];
      var button = el("button", "pcrm-sort", titles[name]);
      button.type = "button";
      button.appendChild(el("span", "pcrm-arrow"));
      button.lastChild.setAttribute("aria-hidden", "true");
      button.addEventListener("click", function () {
        if (self.sort === name) self.desc = !self.desc;
        else { self.sort = name; self.desc = name === "order_total" || name === "last_contact"; }
        self.update();
      });
      th.appendChild(button);
      tr.appendChild(th);
      self.heads[name] = th;
    });
    this.thead.textContent = "";
    this.thead.appendChild(tr);
  };

  CustomerIndex.prototype.markSort = function () {
    for (var name in this.heads) {
      var th = this.heads[name];
      var sorted = name === this.sort;
      if (sorted) th.setAttribute("aria-sort", this.desc ? "descending" : "ascending");
      else th.removeAttribute("aria-sort");
      th.querySelector(".pcrm-arrow").textContent = sorted ? (this.desc ? " ▼" : " ▲") : " ↕";
    }
  };

  // The column chooser: every column but the name can be hidden; the choice is remembered
  // by this browser and carried in the view's link.
  CustomerIndex.prototype.buildChooser = function () {
    var self = this;
    var titles = this.titles();
    var list = this.root.querySelector(".pcrm-chooser-list");
    HEAD.forEach(function (name) {
      if (name === "name") return;
      var label = el("label", "pcrm-facet-value");
      var input = document.createElement("input");
      input.type = "checkbox";
      input.dataset.column = name;
      input.checked = self.columns.indexOf(name) !== -1;
      input.addEventListener("change", function () {
        var boxes = list.querySelectorAll("input");
        self.columns = HEAD.filter(function (n) {
          return n === "name" || Array.prototype.some.call(boxes, function (b) { return b.dataset.column === n && b.checked; });
        });
        store(STORE_COLUMNS, self.columns.join(","));
        self.drawHead();
        self.markSort();
        self.drawRows();
        self.writeUrl();
      });
      label.appendChild(input);
      label.appendChild(document.createTextNode(" " + titles[name]));
      list.appendChild(label);
    });
  };

  CustomerIndex.prototype.drawCell = function (name, r) {
    var data = this.data;
    if (name === "freshness") {
      var dot = el("span", "pcrm-dot pcrm-" + r[this.col.freshness]);
      dot.title = data.freshness_labels[r[this.col.freshness]] || "";
      dot.setAttribute("role", "img");
      dot.setAttribute("aria-label", dot.title);
      return cell(dot);
    }
    if (name === "name") {
      var a = document.createElement("a");
      a.href = this.base + r[this.col.url];
      a.appendChild(el("bdi", null, r[this.col.name]));
      return cell(a);
    }
    if (FACET_COLUMNS.indexOf(name) !== -1) {
      var td = cell(null, "");
      r[this.col[name]].forEach(function (v, i) {
        if (i) td.appendChild(document.createTextNode(", "));
        td.appendChild(el("bdi", null, data.labels[name][v]));
      });
      return td;
    }
    if (name === "last_contact") return cell(null, r[this.col.last_contact] || data.text.never);
    if (name === "order_total") {
      var amount = cell(null, Number(r[this.col.order_total]).toLocaleString(document.documentElement.lang || undefined));
      amount.className = "pcrm-num";
      return amount;
    }
    return cell(null, r[this.col[name]]);
  };

  CustomerIndex.prototype.drawRows = function () {
    var self = this;
    var data = this.data;
    var fragment = document.createDocumentFragment();
    this.matched.slice(0, this.shown).forEach(function (e) {
      var tr = document.createElement("tr");
      self.columns.forEach(function (name) {
        var td = self.drawCell(name, e.row);
        td.className = (td.className + " pcrm-col-" + name).trim();
        tr.appendChild(td);
      });
      fragment.appendChild(tr);
    });
    this.tbody.textContent = "";
    this.tbody.appendChild(fragment);
    labelCells(this.table);
    var shown = Math.min(this.shown, this.matched.length);
    this.status.textContent = data.text.showing + " " + shown + " " + data.text.of + " " + this.matched.length +
      " (" + this.rows.length + ")";
    this.more.hidden = shown >= this.matched.length;
    this.empty.hidden = this.matched.length > 0;
    this.table.hidden = !this.matched.length;
    var unknown = this.unknown.filter(function (u) { return (self.selected[u.facet] || []).indexOf(u.value) !== -1; });
    this.empty.querySelector(".pcrm-unknown").textContent = unknown.length ? data.text.not_in_records + " " +
      unknown.map(function (u) { return data.facet_titles[u.facet] + ": " + u.value; }).join(", ") : "";
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

  // Each body cell gets its column's title as data-label: the phone layout shows a row as a card
  // of labelled cells (plaincrm.css). One rule for every generated table, the index's included.
  function labelCells(table) {
    var head = table.tHead && table.tHead.rows[0];
    if (!head) return;
    var titles = [];
    Array.prototype.forEach.call(head.cells, function (th) {
      for (var i = 0; i < th.colSpan; i++) titles.push(th.dataset.label || th.textContent.trim());
    });
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (tr) {
        var column = 0;
        Array.prototype.forEach.call(tr.cells, function (c) {
          if (c.colSpan === 1 && titles[column]) c.dataset.label = titles[column];
          column += c.colSpan;
        });
      });
    });
  }

  // Text order for the page's language; Chinese names in pinyin order in every language
  // (code point order puts 北 before 安), with the page language still deciding where they
  // go among names in other scripts.
  function textComparer(lang) {
    var local = new Intl.Collator(lang || undefined, { numeric: true });
    var zh = new Intl.Collator("zh", { numeric: true });
    if (/^zh/i.test(lang || "")) return zh.compare;
    var han = /^\p{Script=Han}/u;
    return function (a, b) { return han.test(a) && han.test(b) ? zh.compare(a, b) : local.compare(a, b); };
  }

  // A list of columns from a link or the browser's memory; null when it names none we show.
  function readColumns(text) {
    if (!text) return null;
    var wanted = text.split(",");
    var columns = HEAD.filter(function (name) { return name === "name" || wanted.indexOf(name) !== -1; });
    return columns.length > 1 || wanted.indexOf("name") !== -1 ? columns : null;
  }

  // localStorage may be off (private windows, some file:// pages): the view's link still holds everything.
  function stored(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }

  function store(key, value) {
    try { window.localStorage.setItem(key, value); } catch (e) { /* see stored() */ }
  }

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

/* The customer timeline (customer.html): filter by kind; the buttons are shown only where this runs. */
document.querySelectorAll(".pcrm-timeline").forEach(function (box) {
  var bar = box.querySelector(".pcrm-tl-filter");
  bar.hidden = false;
  bar.addEventListener("click", function (event) {
    var pick = event.target.closest("button");
    if (!pick) return;
    bar.querySelectorAll("button").forEach(function (b) { b.setAttribute("aria-pressed", String(b === pick)); });
    box.querySelectorAll("li[data-kind]").forEach(function (li) { li.hidden = pick.dataset.kind !== "" && li.dataset.kind !== pick.dataset.kind; });
    box.querySelectorAll("section").forEach(function (s) { s.hidden = !s.querySelector("li:not([hidden])"); });
  });
});
