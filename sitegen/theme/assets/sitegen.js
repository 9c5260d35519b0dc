// sitegen theme script: progressive enhancement only; every page works without it.
//
// Entity hover cards: hovering or focusing a link to an entity page shows a
// small card with the entity's name, kind, summary and a link to its page,
// read from the JSON the build put in the page. The card is absolutely
// positioned (no layout shift), stays open while the pointer is on it, and
// closes on Escape and when the pointer or focus leaves both.
(function () {
  "use strict";
  setUpTimelineFilter();
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
