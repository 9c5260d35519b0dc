// sitegen theme script: progressive enhancement only; every page works without it.
//
// Entity hover cards: hovering or focusing a link to an entity page shows a
// small card with the entity's name, kind, summary and a link to its page,
// read from the JSON the build put in the page. The card is absolutely
// positioned (no layout shift), stays open while the pointer is on it, and
// closes on Escape and when the pointer or focus leaves both.
(function () {
  "use strict";
  forwardTimelineAnchor();
  setUpTimelineFilter();
  setUpCopyReference();
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
  card.hidden = true;
  // Inside <main>, as the rest of the page's content is inside a landmark.
  (document.querySelector("main") || document.body).appendChild(card);
  var current = null; // the link the card is for
  var hideTimer = null;

  function entityLink(node) {
    var link = node && node.closest ? node.closest("a[data-entity]") : null;
    return link && !card.contains(link) ? link : null;
  }

  function inCard(node) {
    return Boolean(node) && card.contains(node);
  }

  function show(link) {
    var data = cards[link.getAttribute("data-entity")];
    if (!data) return;
    clearTimeout(hideTimer);
    if (current === link && !card.hidden) return;
    current = link;
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
    if (data.url) {
      var more = document.createElement("a");
      more.className = "entity-card-link";
      more.href = data.url;
      more.textContent = "More about " + data.name;
      card.append(more);
    }
    card.hidden = false;
    var box = link.getBoundingClientRect();
    var viewport = document.documentElement.clientWidth;
    var width = Math.min(card.offsetWidth, viewport - 16);
    var left = Math.max(8, Math.min(box.left, viewport - width - 8));
    var top = box.bottom + 4;
    if (top + card.offsetHeight > window.innerHeight && box.top > card.offsetHeight + 4) {
      top = box.top - card.offsetHeight - 4;
    }
    card.style.left = left + window.scrollX + "px";
    card.style.top = top + window.scrollY + "px";
  }

  function hide() {
    clearTimeout(hideTimer);
    card.hidden = true;
    current = null;
  }

  // Leaving the link for the card (or the card for its link) keeps it open:
  // the short delay lets the pointer cross the gap between the two.
  function hideSoon() {
    clearTimeout(hideTimer);
    hideTimer = setTimeout(hide, 300);
  }

  // Mouse and pen only: a tap opens the link (or, on narrow screens, its note).
  document.addEventListener("pointerover", function (event) {
    if (event.pointerType === "touch") return;
    var link = entityLink(event.target);
    if (link) show(link);
    else if (inCard(event.target)) clearTimeout(hideTimer);
  });
  document.addEventListener("pointerout", function (event) {
    if (event.pointerType === "touch" || card.hidden) return;
    var from = entityLink(event.target) || (inCard(event.target) ? card : null);
    var to = event.relatedTarget;
    if (!from || (to && (from.contains(to) || inCard(to) || (current && current.contains(to))))) return;
    hideSoon();
  });
  document.addEventListener("focusin", function (event) {
    var link = entityLink(event.target);
    if (link && link.matches(":focus-visible")) show(link);
    else if (inCard(event.target)) clearTimeout(hideTimer);
  });
  document.addEventListener("focusout", function (event) {
    if (!(entityLink(event.target) || inCard(event.target))) return;
    if (!inCard(event.relatedTarget)) hide();
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || card.hidden) return;
    var back = inCard(document.activeElement) ? current : null;
    hide();
    if (back) back.focus();
  });
})();

// Glossary definitions: a marked term shows its definition while the term or
// the definition is hovered or focused (so the pointer can move onto it),
// Escape closes it, and on narrow or touch screens a tap on the term opens
// it in place (a second tap closes it) instead of leaving for the glossary,
// which the definition links to. Without this script, CSS shows the
// definition on hover and focus.
(function () {
  "use strict";
  var narrow = window.matchMedia("(max-width: 999px)");
  var open = null; // the term whose definition is shown
  var clicked = false; // whether it was opened by a click or tap (rather than hover or focus)
  var hideTimer = null;
  var lastPointer = "mouse";
  document.documentElement.classList.add("js-popups");

  function termOf(node) {
    if (!node || !node.closest) return null;
    var tip = node.closest(".term-tip");
    if (tip) return tip.previousElementSibling;
    return node.closest("a.term");
  }

  function tipOf(term) {
    var tip = term.nextElementSibling;
    return tip && tip.classList.contains("term-tip") ? tip : null;
  }

  function show(term) {
    clearTimeout(hideTimer);
    if (open === term) return;
    hide();
    clicked = false;
    var tip = tipOf(term);
    if (!tip) return;
    tip.classList.add("is-open");
    term.setAttribute("aria-expanded", "true");
    open = term;
  }

  function hide() {
    clearTimeout(hideTimer);
    if (!open) return;
    var tip = tipOf(open);
    if (tip) tip.classList.remove("is-open");
    open.setAttribute("aria-expanded", "false");
    open = null;
  }

  function hideSoon() {
    clearTimeout(hideTimer);
    hideTimer = setTimeout(hide, 300);
  }

  document.addEventListener("pointerdown", function (event) { lastPointer = event.pointerType; }, true);
  document.addEventListener("pointerover", function (event) {
    if (event.pointerType === "touch") return;
    var term = termOf(event.target);
    if (term) show(term);
  });
  document.addEventListener("pointerout", function (event) {
    if (event.pointerType === "touch" || !open) return;
    var from = termOf(event.target);
    if (from && from === open && termOf(event.relatedTarget) !== open) hideSoon();
  });
  document.addEventListener("focusin", function (event) {
    var term = termOf(event.target);
    if (term && (term !== event.target || term.matches(":focus-visible"))) show(term);
  });
  document.addEventListener("focusout", function (event) {
    var from = termOf(event.target);
    if (from && from === open && termOf(event.relatedTarget) !== open) hide();
  });
  document.addEventListener("click", function (event) {
    var term = event.target.closest ? event.target.closest("a.term") : null;
    if (term && (narrow.matches || lastPointer === "touch")) {
      event.preventDefault();
      // A click on a definition that hovering or focus opened keeps it open;
      // the next one closes it.
      if (open === term && clicked) hide();
      else {
        show(term);
        clicked = true;
      }
      return;
    }
    if (open && termOf(event.target) !== open) hide();
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || !open) return;
    var back = open;
    var focusInside = termOf(document.activeElement) === back;
    hide();
    if (focusInside) back.focus();
  });
})();

// Timeline filter: narrows the timeline by entity kind and by entity without
// reloading. The form is hidden in the page and only shown here, so readers
// without JavaScript see every event and no dead controls. The timeline is one
// page per period: the filter shows only the matching events of this page,
// and, from the counts of every page (events.json, fetched once a filter is
// chosen), hides the pages where none match from the navigation, counts the
// matches of the others and points "earlier"/"later" at the nearest page with
// some. The choice travels in the links (?kind=…&entity=…) to the next page.
function setUpTimelineFilter() {
  "use strict";
  var form = document.getElementById("timeline-filter");
  if (!form) return;
  var kind = document.getElementById("timeline-filter-kind");
  var entity = document.getElementById("timeline-filter-entity");
  var count = document.getElementById("timeline-filter-count");
  var empty = document.getElementById("timeline-filter-empty");
  var events = Array.prototype.slice.call(document.querySelectorAll(".timeline .event"));
  var years = Array.prototype.slice.call(document.querySelectorAll(".timeline-year"));
  var periods = Array.prototype.slice.call(document.querySelectorAll(".timeline-periods li[data-period]"));
  var pager = Array.prototype.slice.call(document.querySelectorAll(".timeline-pager a[data-period]"));
  var current = document.querySelector('.timeline-periods [aria-current="page"]');
  var currentIndex = -1;
  var byPeriod = null; // {period: [[entity ids, kinds], ...]} once fetched
  var fetching = false;

  periods.forEach(function (item, index) {
    var link = item.querySelector("a");
    item.plainUrl = link.getAttribute("href");
    item.label = link.textContent;
    if (link === current) currentIndex = index;
  });

  function words(value) {
    return value ? value.split(" ") : [];
  }

  function matches(ids, kinds) {
    return (!kind.value || words(kinds).indexOf(kind.value) !== -1) &&
      (!entity.value || words(ids).indexOf(entity.value) !== -1);
  }

  function query() {
    var parts = [];
    if (kind.value) parts.push("kind=" + encodeURIComponent(kind.value));
    if (entity.value) parts.push("entity=" + encodeURIComponent(entity.value));
    return parts.length ? "?" + parts.join("&") : "";
  }

  // The matching events of a page of the timeline; null while not known.
  function matching(item) {
    if (!byPeriod) return null;
    var list = byPeriod[item.getAttribute("data-period")] || [];
    return list.filter(function (pair) { return matches(pair[0], pair[1]); }).length;
  }

  function load() {
    if (fetching || !window.fetch) return;
    fetching = true;
    fetch(form.getAttribute("data-events")).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (data) {
      if (data) {
        byPeriod = data;
        apply();
      }
    }, function () {});
  }

  function showPeriods(active) {
    var suffix = query();
    var total = 0;
    var known = [];
    periods.forEach(function (item, index) {
      var found = active ? matching(item) : null;
      var badge = item.querySelector(".period-count");
      var plain = badge.getAttribute("data-count");
      if (found !== null) total += found;
      // A page with no matching event is never offered; this page stays, marked.
      item.hidden = found === 0 && index !== currentIndex;
      known.push(found === null ? -1 : found);
      item.querySelector("a").setAttribute("href", item.plainUrl + suffix);
      if (found === null) {
        badge.textContent = plain === null ? "" : plain + (plain === "1" ? " event" : " events");
      } else if (plain === null) {
        badge.textContent = " (" + found + ")";
      } else {
        badge.textContent = found + " of " + plain + (plain === "1" ? " event" : " events");
      }
    });
    pager.forEach(function (link) {
      var step = link.getAttribute("rel") === "prev" ? -1 : 1;
      var index = currentIndex + step;
      while (index >= 0 && index < periods.length && known[index] === 0) index += step;
      var target = periods[index];
      link.hidden = !target;
      if (!target) return;
      link.setAttribute("href", target.plainUrl + suffix);
      link.textContent = step < 0 ? "← " + target.label : target.label + " →";
    });
    return byPeriod ? total : null;
  }

  function apply() {
    var active = Boolean(kind.value || entity.value);
    var shown = 0;
    events.forEach(function (event) {
      var visible = matches(event.getAttribute("data-entities"), event.getAttribute("data-kinds"));
      event.hidden = !visible;
      if (visible) shown += 1;
    });
    years.forEach(function (year) {
      year.hidden = !year.querySelector(".event:not([hidden])");
    });
    if (active && !byPeriod) load();
    var total = showPeriods(active);
    if (!active) {
      count.textContent = "";
    } else if (events.length) {
      count.textContent = shown + " of " + events.length + " events on this page";
    } else if (total !== null) {
      count.textContent = total + (total === 1 ? " event matches" : " events match");
    }
    if (empty) empty.hidden = !active || (events.length ? shown > 0 : total !== 0);
    if (window.history && history.replaceState) {
      history.replaceState(history.state, "", location.pathname + query() + location.hash);
    }
  }

  var params = new URLSearchParams(location.search);
  [[kind, "kind"], [entity, "entity"]].forEach(function (pair) {
    var wanted = params.get(pair[1]);
    if (wanted && pair[0].querySelector('option[value="' + CSS.escape(wanted) + '"]')) pair[0].value = wanted;
  });
  form.hidden = false;
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
  });
  if (kind.value || entity.value) apply();
}

// Links made when the timeline was a single page (/timeline/#event-2016-…,
// /timeline/#year-2016) land on its index: send them on to the page that
// holds that year, where the same anchor is.
function forwardTimelineAnchor() {
  "use strict";
  var found = /^#(?:event|year)-(\d+)/.exec(location.hash);
  if (!found) return;
  var year = String(Number(found[1]));
  var items = document.querySelectorAll(".timeline-index li[data-years]");
  for (var i = 0; i < items.length; i += 1) {
    if (items[i].getAttribute("data-years").split(" ").indexOf(year) !== -1) {
      location.replace(items[i].querySelector("a").href + location.hash);
      return;
    }
  }
}

// "Cite this article": a Copy button beside the reference, where the browser
// lets a page write to the clipboard; without it the reference is selectable
// text as before. The status line tells screen readers what happened.
function setUpCopyReference() {
  "use strict";
  var reference = document.querySelector(".cite-reference");
  if (!reference || !navigator.clipboard || !window.isSecureContext) return;
  var button = document.createElement("button");
  button.type = "button";
  button.className = "cite-copy";
  button.textContent = "Copy reference";
  var status = document.createElement("span");
  status.className = "cite-copy-status";
  status.setAttribute("role", "status");
  button.addEventListener("click", function () {
    var text = reference.textContent.replace(/\s+/g, " ").trim();
    navigator.clipboard.writeText(text).then(
      function () {
        status.textContent = "Copied";
      },
      function () {
        status.textContent = "Could not copy: select the reference instead";
      }
    );
  });
  reference.parentNode.insertBefore(status, reference.nextSibling);
  reference.parentNode.insertBefore(button, status);
}
