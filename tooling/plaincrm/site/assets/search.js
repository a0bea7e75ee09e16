/* plaincrm customer search, in Material's header search box, above Material's results for pages;
 * on a page with no Material search box (`crm pages` read by another engine), in a small box of its
 * own: in the page's header if it has one, else at the top of the page's content. Its words come
 * with the script tag (data-label, data-none: export.py writes them in the site's language).
 *
 * The index (search/customers.js, made by plaincrm/site/search.py, whose docstring says why and
 * how it ranks) is loaded on the first focus of the box, never on a page view. It is a script, so
 * the site also works opened from a folder. Index and query are folded by `fold` alone (case,
 * full-width forms, invisible characters); titles are shown without invisible characters. Every
 * value is put in the page with textContent: nothing from a record is parsed as HTML.
 */
(function () {
  "use strict";

  var INDEX = "../../search/customers.js"; // from assets/plaincrm/: search.CUSTOMER_SEARCH at the site's root
  var SHOWN = 20;
  var INVISIBLE = /[\u00ad\u200b-\u200f\u2060\ufeff]/g;
  // What a query scores against one field (see search.py): exact fields first, then prefixes, then inside.
  var ID_OR_NAME = 100, EXACT = 90, STARTS = 60, IN_NAME = 40, IN_FIELD = 20, IN_TEXT = 10;

  var script = document.currentScript;
  var base = new URL("../../", script.src);
  var state = { loading: false, customers: null, labels: null, text: null, shown: null };

  function fold(value) {
    return value.normalize("NFKC").replace(INVISIBLE, "").toLowerCase();
  }

  /* Load the index once; `then` runs when it is there (typing meanwhile is read then). */
  function load(then) {
    if (state.customers) return then();
    if (state.loading) return;
    state.loading = true;
    var tag = document.createElement("script");
    tag.src = new URL(INDEX, script.src).href;
    tag.onload = function () {
      var data = window.plaincrmSearch;
      state.text = data.text;
      state.labels = data.labels.map(function (spellings) { return spellings.map(fold); });
      state.customers = data.customers.map(function (row, order) {
        return {
          id: row[0], name: row[1].replace(INVISIBLE, ""), url: row[2], labels: row[3], tags: row[4],
          owner: data.labels[row[3][0]][0], order: order,
          keys: { id: fold(row[0]), name: fold(row[1]), tags: row[4].map(fold), contacts: row[5].map(fold), text: fold(row[6]) },
        };
      });
      then();
    };
    document.head.appendChild(tag);
  }

  function fieldScore(values, term) {
    var best = 0;
    for (var i = 0; i < values.length && best < EXACT; i++) {
      var value = values[i];
      if (value === term) best = EXACT;
      else if (value.indexOf(term) >= 0) best = Math.max(best, value.indexOf(term) === 0 ? STARTS / 2 : IN_FIELD);
    }
    return best;
  }

  function labelScores(term) {
    return state.labels.map(function (spellings) { return fieldScore(spellings, term); });
  }

  function termScore(customer, term, byLabel) {
    var keys = customer.keys;
    if (keys.id === term || keys.name === term) return ID_OR_NAME;
    var other = fieldScore(keys.tags, term);
    if (other < EXACT) other = Math.max(other, fieldScore(keys.contacts, term));
    for (var i = 0; i < customer.labels.length && other < EXACT; i++) other = Math.max(other, byLabel[customer.labels[i]]);
    if (other === EXACT) return EXACT;
    if (keys.id.indexOf(term) === 0 || keys.name.indexOf(term) === 0) return STARTS;
    if (keys.name.indexOf(term) > 0) return IN_NAME;
    if (other) return other;
    return keys.text.indexOf(term) >= 0 ? IN_TEXT : 0;
  }

  /* Customers matching every word, best first: the whole query as one field value, or each word. */
  function search(query) {
    var whole = fold(query).trim().replace(/\s+/g, " ");
    if (!whole) return [];
    var terms = whole.split(" ");
    var wholeLabels = labelScores(whole);
    var termLabels = terms.length > 1 ? terms.map(labelScores) : [];
    var found = [];
    state.customers.forEach(function (customer) {
      var score = termScore(customer, whole, wholeLabels) * terms.length;
      if (terms.length > 1) {
        var sum = 0;
        for (var i = 0; i < terms.length; i++) {
          var one = termScore(customer, terms[i], termLabels[i]);
          if (!one) { sum = 0; break; }
          sum += one;
        }
        score = Math.max(score, sum);
      }
      if (score) found.push({ customer: customer, score: score });
    });
    found.sort(function (a, b) {
      return b.score - a.score || a.customer.name.length - b.customer.name.length || a.customer.order - b.customer.order;
    });
    return found;
  }

  function element(name, className, text) {
    var node = document.createElement(name);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function item(customer, own) {
    var li = element("li", "md-search-result__item");
    var link = element("a", "md-search-result__link");
    link.href = new URL(customer.url, base).href;
    if (!own) link.tabIndex = -1; // Material moves through its results with the arrow keys
    var article = element("article", "md-search-result__article md-typeset");
    article.appendChild(element("div", "md-search-result__icon md-icon"));
    var title = element(own ? "strong" : "h1"); // Material's result markup; on a page of its own, no second h1
    title.appendChild(element("bdi", "", customer.name));
    article.appendChild(title);
    var detail = element("p");
    [customer.id, customer.owner].concat(customer.tags).forEach(function (part, i) {
      if (i) detail.appendChild(document.createTextNode(" · "));
      detail.appendChild(element("bdi", "", part.replace(INVISIBLE, "")));
    });
    article.appendChild(detail);
    link.appendChild(article);
    li.appendChild(link);
    return li;
  }

  function show(box, query) {
    if (query === state.shown) return;
    state.shown = query;
    var found = query.trim() ? search(query) : [];
    box.textContent = "";
    box.dataset.query = query; // what the list shows results for (tests wait on it)
    var own = box.dataset.none !== undefined;
    var none = own && query.trim() && !found.length; // the own box says so; Material shows its page results
    box.hidden = !found.length && !none;
    if (none) box.appendChild(element("div", "md-search-result__meta", box.dataset.none));
    if (!found.length) return;
    var meta = state.text.search_customers.replace("{n}", found.length);
    if (found.length > SHOWN) meta += " · " + state.text.search_first.replace("{n}", SHOWN);
    box.appendChild(element("div", "md-search-result__meta", meta));
    var list = element("ol", "md-search-result__list");
    found.slice(0, SHOWN).forEach(function (hit) { list.appendChild(item(hit.customer, own)); });
    box.appendChild(list);
  }

  function listen(input, box) {
    var update = function () { load(function () { show(box, input.value); }); };
    input.addEventListener("focus", update);
    input.addEventListener("input", update);
    input.addEventListener("keyup", update); // an IME commits some text without an input event
    if (input.form) input.form.addEventListener("reset", function () { show(box, ""); });
  }

  /* The box of its own: a search field and the same result list below it; Enter opens the first. */
  function ownBox() {
    var words = script.dataset;
    var place = document.querySelector("body > header, [role=banner]") || document.querySelector(".pcrm");
    if (!words.label || !place || document.querySelector(".pcrm-own-search")) return;
    var form = element("form", "pcrm-own-search");
    form.setAttribute("role", "search");
    var input = element("input", "pcrm-own-search__input");
    input.type = "search";
    input.placeholder = words.label;
    input.setAttribute("aria-label", words.label);
    input.autocomplete = "off";
    var box = element("div", "pcrm-search pcrm-own-search__results");
    box.hidden = true;
    box.dataset.none = words.none || "";
    box.setAttribute("aria-live", "polite");
    form.appendChild(input);
    form.appendChild(box);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var first = box.querySelector("a");
      if (first) window.location.href = first.href;
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { input.value = ""; show(box, ""); }
    });
    if (place.matches(".pcrm")) place.insertBefore(form, place.firstChild);
    else place.appendChild(form);
    listen(input, box);
  }

  function init() {
    var input = document.querySelector(".md-search__input");
    var result = document.querySelector(".md-search-result");
    if (!input || !result) return ownBox();
    var box = element("div", "pcrm-search");
    box.hidden = true;
    result.insertBefore(box, result.firstChild);
    listen(input, box);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
