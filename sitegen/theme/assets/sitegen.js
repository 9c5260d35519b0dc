// sitegen theme script: progressive enhancement only; every page works without it.
//
// Entity hover cards: hovering or focusing a link to an entity page shows a
// small card with the entity's name, kind and summary, read from the JSON the
// build put in the page. The card is absolutely positioned (no layout shift)
// and Escape closes it.
(function () {
  "use strict";
  setUpTimelineFilter();
  setUpSearch();
  var source = document.getElementById("sitegen_entity_cards");
  if (!source) return;
  var cards;
  try {
    cards = JSON.parse(source.textContent);
  } catch (error) {
    return;
  }
  var card = document.createElement("div");
  card.className = "entity-card";
  card.id = "sitegen-entity-card";
  card.setAttribute("role", "tooltip");
  card.hidden = true;
  document.body.appendChild(card);
  var hideTimer = null;

  function entityLink(node) {
    return node && node.closest ? node.closest("a[data-entity]") : null;
  }

  function show(link) {
    var data = cards[link.getAttribute("data-entity")];
    if (!data) return;
    clearTimeout(hideTimer);
    card.replaceChildren();
    var name = document.createElement("strong");
    name.textContent = data.name;
    var kind = document.createElement("span");
    kind.className = "entity-card-kind";
    kind.textContent = data.kind;
    card.append(name, " ", kind);
    if (data.summary) {
      var summary = document.createElement("p");
      summary.textContent = data.summary;
      card.append(summary);
    }
    card.hidden = false;
    var box = link.getBoundingClientRect();
    var viewport = document.documentElement.clientWidth;
    var width = Math.min(card.offsetWidth, viewport - 16);
    var left = Math.max(8, Math.min(box.left, viewport - width - 8));
    var top = box.bottom + 6;
    if (top + card.offsetHeight > window.innerHeight && box.top > card.offsetHeight + 6) {
      top = box.top - card.offsetHeight - 6;
    }
    card.style.left = left + window.scrollX + "px";
    card.style.top = top + window.scrollY + "px";
  }

  function hide() {
    card.hidden = true;
  }

  document.addEventListener("mouseover", function (event) {
    var link = entityLink(event.target);
    if (link) show(link);
  });
  document.addEventListener("mouseout", function (event) {
    var link = entityLink(event.target);
    if (link && !link.contains(event.relatedTarget)) hideTimer = setTimeout(hide, 120);
  });
  document.addEventListener("focusin", function (event) {
    var link = entityLink(event.target);
    if (link) show(link);
  });
  document.addEventListener("focusout", function (event) {
    if (entityLink(event.target)) hide();
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !card.hidden) hide();
  });
})();

// Timeline filter: narrows the timeline by entity kind and by entity without
// reloading. The form is hidden in the page and only shown here, so readers
// without JavaScript see the whole timeline and no dead controls.
function setUpTimelineFilter() {
  "use strict";
  var form = document.getElementById("timeline-filter");
  if (!form) return;
  var kind = document.getElementById("timeline-filter-kind");
  var entity = document.getElementById("timeline-filter-entity");
  var count = document.getElementById("timeline-filter-count");
  var events = Array.prototype.slice.call(document.querySelectorAll(".timeline .event"));
  var years = Array.prototype.slice.call(document.querySelectorAll(".timeline-year"));

  function words(element, name) {
    var value = element.getAttribute(name) || "";
    return value ? value.split(" ") : [];
  }

  function apply() {
    var shown = 0;
    events.forEach(function (event) {
      var visible =
        (!kind.value || words(event, "data-kinds").indexOf(kind.value) !== -1) &&
        (!entity.value || words(event, "data-entities").indexOf(entity.value) !== -1);
      event.hidden = !visible;
      if (visible) shown += 1;
    });
    years.forEach(function (year) {
      year.hidden = !year.querySelector(".event:not([hidden])");
    });
    count.textContent = kind.value || entity.value ? shown + " of " + events.length + " events" : "";
  }

  form.hidden = false;
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
  });
}

// Search page: the Pagefind UI from the bundles the build wrote, with the
// filters shown, result URLs under the site's base path, and ?q= prefilled.
// The index is in shards, each a bundle of its own listed in shards.json:
// the first is the main index and the others are merged into it, so a
// reader gets one list of results and filter counts over the whole archive.
function setUpSearch() {
  "use strict";
  var element = document.getElementById("search");
  if (!element || typeof window.PagefindUI === "undefined") {
    if (element) window.addEventListener("load", setUpSearchOnce);
    return;
  }
  setUpSearchOnce();
}

function setUpSearchOnce() {
  "use strict";
  var element = document.getElementById("search");
  if (!element || element.getAttribute("data-ready") || typeof window.PagefindUI === "undefined") return;
  element.setAttribute("data-ready", "true");
  var bundlePath = element.getAttribute("data-bundle-path");
  fetch(bundlePath + "shards.json")
    .then(function (response) { return response.ok ? response.json() : { shards: [] }; })
    .catch(function () { return { shards: [] }; })
    .then(function (manifest) { startSearch(element, bundlePath, manifest.shards || []); });
}

function startSearch(element, bundlePath, shards) {
  "use strict";
  var baseUrl = element.getAttribute("data-base-url");
  var bundles = shards.map(function (shard) { return bundlePath + shard.bundle; });
  if (bundles.length === 0) bundles = [bundlePath];
  element.replaceChildren();
  var ui = new window.PagefindUI({
    element: "#search",
    bundlePath: bundles[0],
    baseUrl: baseUrl,
    mergeIndex: bundles.slice(1).map(function (path) { return { bundlePath: path, baseUrl: baseUrl }; }),
    showImages: false,
    showSubResults: true,
    openFilters: ["type"]
  });
  // Pagefind's input has only a placeholder and a title, which is no label
  // (axe: label-title-only) and no Pagefind option adds one: the page's
  // visible heading labels it.
  var input = element.querySelector("input.pagefind-ui__search-input");
  if (input && document.getElementById("search-title")) input.setAttribute("aria-labelledby", "search-title");
  var query = new URLSearchParams(window.location.search).get("q");
  if (query) ui.triggerSearch(query);
}
