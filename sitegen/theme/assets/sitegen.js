// sitegen theme script: progressive enhancement only; every page works without it.
//
// Entity hover cards: hovering or focusing a link to an entity page shows a
// small card with the entity's name, kind and summary, read from the JSON the
// build put in the page. The card is absolutely positioned (no layout shift)
// and Escape closes it.
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
