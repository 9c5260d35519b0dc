// Side-notes, enhanced (article and entity pages). Without this script the
// notes are CSS floats in the margin on wide screens and fold open behind
// their numbers on narrow ones (sitegen.css); this script only improves that.
//
// Wide screens: each note is placed level with the line of its mention, and
// pushed down only as far as the note above it requires. Only where the
// margin runs out (a note would start more than 400 px below its line) are
// long notes above it shortened to their first lines, with a button to show
// the rest. The layout follows resizes, font loading and late images.
//
// Narrow screens: tapping a mention that has a note (or pressing Enter on
// it) opens the note in place instead of leaving the page; a second tap or
// Escape closes it. The note links to the entity's page.
(function () {
  "use strict";
  var wide = window.matchMedia("(min-width: 1000px)");
  var GAP = 12; // px between a note and the one above it
  // px a note may sit below its line: only a note that would start lower
  // than this makes notes above it shrink (1 px under the 400 px the layout
  // promises, for the rounding of positions to layout units)
  var DRIFT = 399;

  Array.prototype.forEach.call(document.querySelectorAll(".article"), function (container) {
    var items = Array.prototype.map.call(container.querySelectorAll(".article-body .sidenote"), enhance);
    if (items.length === 0) return;
    var scheduled = false;

    function schedule() {
      if (scheduled) return;
      scheduled = true;
      window.requestAnimationFrame(function () {
        scheduled = false;
        layout(container, items);
      });
    }

    items.forEach(function (item) {
      item.more.addEventListener("click", function () {
        item.opened = !item.opened;
        layout(container, items);
      });
      item.anchor.addEventListener("click", function (event) {
        if (wide.matches || item.anchor === item.number) return;
        event.preventDefault();
        setOpen(item, !item.toggle.checked);
      });
      // Pointing at a note or its mention shows which goes with which.
      [item.note, item.anchor].forEach(function (element) {
        element.addEventListener("pointerenter", function () { mark(item, true); });
        element.addEventListener("pointerleave", function () { mark(item, false); });
      });
      if (item.toggle) {
        item.toggle.addEventListener("change", function () {
          setOpen(item, item.toggle.checked);
        });
      }
    });

    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape" || wide.matches) return;
      items.forEach(function (item) {
        if (!item.toggle || !item.toggle.checked) return;
        var focusInside = item.note.contains(document.activeElement);
        setOpen(item, false);
        if (focusInside) item.anchor.focus();
      });
    });

    if (window.ResizeObserver) new window.ResizeObserver(schedule).observe(container.querySelector(".article-body"));
    else window.addEventListener("resize", schedule);
    if (wide.addEventListener) wide.addEventListener("change", schedule);
    if (document.fonts && document.fonts.ready) document.fonts.ready.then(schedule);
    window.addEventListener("load", schedule);
    layout(container, items);
  });

  // One note: its mention (or, for a footnote, its number), its checkbox,
  // and the button that shows a shortened note whole.
  function enhance(note) {
    var toggle = document.getElementById(note.id + "-toggle");
    var number = toggle ? document.querySelector('label[for="' + toggle.id + '"]') : null;
    var mention = document.querySelector('a[aria-describedby="' + note.id + '"]');
    var body = document.createElement("span");
    body.className = "sidenote-body";
    while (note.firstChild) body.appendChild(note.firstChild);
    var more = document.createElement("button");
    more.type = "button";
    more.className = "sidenote-more";
    more.hidden = true;
    more.setAttribute("aria-controls", note.id);
    note.append(body, more);
    // The mention is the control on narrow screens: one tab stop per note.
    if (toggle && mention) toggle.tabIndex = -1;
    return { note: note, body: body, more: more, toggle: toggle, number: number, anchor: mention || number || note, opened: false };
  }

  function mark(item, on) {
    item.note.classList.toggle("is-current", on && wide.matches);
    item.anchor.classList.toggle("is-current", on && wide.matches);
  }

  function setOpen(item, open) {
    if (item.toggle) item.toggle.checked = open;
    if (item.anchor !== item.number && !wide.matches) item.anchor.setAttribute("aria-expanded", String(open));
  }

  // The top of the line the anchor ends on, from the top of the container.
  function lineTop(element, origin) {
    var rects = element.getClientRects();
    var box = rects.length ? rects[rects.length - 1] : element.getBoundingClientRect();
    return box.top - origin;
  }

  // A shortened note shows its heading and the first line of what it says
  // (the role or summary under the name, however many lines the name and
  // kind take): the height, from the top of the body, down to the bottom of
  // that line. Null for a note without one (a footnote): it keeps the CSS's
  // first two lines.
  function firstDetailLine(body) {
    var detail = body.querySelector(".sidenote-role, .sidenote-summary");
    var walker = detail && document.createTreeWalker(detail, NodeFilter.SHOW_TEXT);
    var text = walker && walker.nextNode();
    while (text && !text.data.trim()) text = walker.nextNode();
    if (!text) return null;
    var range = document.createRange();
    var start = text.data.search(/\S/);
    range.setStart(text, start);
    range.setEnd(text, start + 1);
    return Math.ceil(range.getBoundingClientRect().bottom - body.getBoundingClientRect().top);
  }

  function place(anchors, heights) {
    var tops = [];
    var bottom = -Infinity;
    for (var i = 0; i < anchors.length; i++) {
      tops[i] = Math.max(anchors[i], bottom + GAP);
      bottom = tops[i] + heights[i];
    }
    return tops;
  }

  function layout(container, items) {
    if (!wide.matches) {
      container.classList.remove("sidenotes-placed");
      container.style.minHeight = "";
      items.forEach(function (item) {
        item.note.style.top = "";
        item.note.classList.remove("is-short");
        item.more.hidden = true;
        setOpen(item, item.toggle ? item.toggle.checked : false);
      });
      return;
    }
    container.classList.add("sidenotes-placed");
    items.forEach(function (item) {
      if (item.anchor !== item.number) item.anchor.removeAttribute("aria-expanded");
    });
    // Measure every note whole and shortened, then decide. The buttons stay
    // shown while measuring: hiding a focused button would lose the focus.
    items.forEach(function (item) {
      item.more.hidden = false;
      item.note.classList.remove("is-short");
    });
    var button = items.map(function (item) { return item.more.offsetHeight; });
    var whole = items.map(function (item) { return item.body.offsetHeight; });
    // All reads, then all writes: one layout, not one a note.
    var firstLines = items.map(function (item) { return firstDetailLine(item.body); });
    items.forEach(function (item, index) {
      if (firstLines[index]) item.body.style.setProperty("--short-height", firstLines[index] + "px");
      else item.body.style.removeProperty("--short-height");
    });
    items.forEach(function (item) { item.note.classList.add("is-short"); });
    var short = items.map(function (item, index) { return item.body.offsetHeight + button[index]; });
    // A note the reader opened keeps its button ("Show less") under it.
    var full = items.map(function (item, index) { return whole[index] + (item.opened ? button[index] : 0); });
    var origin = container.getBoundingClientRect().top;
    var anchors = items.map(function (item) { return lineTop(item.anchor, origin); });
    var shortened = items.map(function () { return false; });
    var heights = full.slice();
    var from = 0;
    for (;;) {
      var tops = place(anchors, heights);
      var late = -1;
      for (var i = from; i < items.length; i++) {
        if (tops[i] - anchors[i] > DRIFT) { late = i; break; }
      }
      if (late < 0) break;
      // Shorten the note that saves most among those stacked above it.
      var best = -1;
      for (var j = late - 1; j >= 0; j--) {
        var saves = full[j] - short[j];
        if (!shortened[j] && !items[j].opened && saves > 4 && (best < 0 || saves > full[best] - short[best])) best = j;
        if (tops[j] <= anchors[j] + 0.5) break; // the stack starts here
      }
      if (best < 0) {
        from = late + 1; // nothing above can give way: leave this one where it is
        continue;
      }
      shortened[best] = true;
      heights[best] = short[best];
    }
    var finalTops = place(anchors, heights);
    var lowest = 0;
    items.forEach(function (item, index) {
      var long = whole[index] - short[index] > 4;
      item.note.classList.toggle("is-short", shortened[index]);
      item.more.hidden = !(shortened[index] || (long && item.opened));
      if (item.more.hidden && document.activeElement === item.more) item.anchor.focus();
      item.more.textContent = shortened[index] ? "Show more" : "Show less";
      item.more.setAttribute("aria-expanded", String(!shortened[index]));
      item.note.style.top = finalTops[index] + "px";
      lowest = Math.max(lowest, finalTops[index] + heights[index]);
    });
    container.style.minHeight = lowest + "px";
  }
})();
