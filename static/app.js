// Small enhancements on top of htmx. Every page works without them.
(function () {
  "use strict";

  // Parts of the editor that need a script show only when scripts run.
  document.documentElement.classList.add("js");

  // The page clock (#clock) asks once a minute for fresh relative times. It
  // sends each distinct timestamp on the page, whatever the number of cards,
  // and each language times are shown in (a bilingual card shows both).
  var SITE_LANGS = { "en": "en", "zh-Hans": "zh" };
  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.elt.id !== "clock") return;
    var stamps = new Set(), langs = new Set();
    document.querySelectorAll("time[data-relative]").forEach(function (time) {
      stamps.add(time.getAttribute("datetime"));
      var inLang = time.closest("[lang]");
      if (inLang && SITE_LANGS[inLang.lang]) langs.add(SITE_LANGS[inLang.lang]);
    });
    event.detail.parameters.t = Array.from(stamps);
    event.detail.parameters.l = Array.from(langs);
  });

  // A page brought back by Back, from the browser's page cache or from htmx's
  // history, shows the times it had when it was left: ask for fresh ones now
  // rather than at the next tick of the minute.
  function refreshClock() {
    var clock = document.getElementById("clock");
    if (clock && window.htmx) htmx.ajax("GET", clock.getAttribute("hx-get"), { source: clock, swap: "none" });
  }
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) refreshClock();
  });
  document.addEventListener("htmx:historyRestore", refreshClock);

  // The header toggle swaps #page, which carries the new language; the <html>
  // element is outside the swap, so follow it here.
  document.addEventListener("htmx:afterSettle", function () {
    var page = document.getElementById("page");
    if (page && page.lang) document.documentElement.lang = page.lang;
  });

  // If a swap fails (server error, network), fall back to loading the link
  // as a page, so the reader sees the real answer instead of nothing.
  function followLink(event) {
    var link = event.detail.elt;
    if (link && link.tagName === "A" && link.href) window.location.assign(link.href);
  }
  document.addEventListener("htmx:responseError", followLink);
  document.addEventListener("htmx:sendError", followLink);

  // Search box: ask for results as the reader types, but not while an input
  // method is composing (pinyin before the characters are chosen).
  function searchInput(event) {
    if (event.target.id !== "q" || event.isComposing) return;
    event.target.dispatchEvent(new CustomEvent("search-input", { bubbles: true }));
  }
  document.addEventListener("input", searchInput);
  document.addEventListener("compositionend", searchInput);

  // A language or view switch keeps the reader's place. A pixel offset is
  // not a place (the page's height changes with the language), so note the
  // card or paragraph at the top of the window, below the sticky header, and
  // after the swap scroll it back to where it was.
  var PLACES = ".card[id], #summary, .block-pair[id]";

  function topLine() {
    var header = document.querySelector(".site-header");
    return header && getComputedStyle(header).position === "sticky" ? header.getBoundingClientRect().bottom : 0;
  }

  // The place being read: the paragraph the line runs through, or the next
  // one when the line falls between two paragraphs of a card; else the card.
  function placeAt(line) {
    var card = null, places = document.querySelectorAll(PLACES);
    for (var i = 0; i < places.length; i++) {
      var place = places[i], box = place.getBoundingClientRect();
      if (box.bottom <= line) continue;
      if (card && card.contains(place)) {
        var first = card.querySelector(PLACES);
        return box.top <= line || first.getBoundingClientRect().top <= line ? place : card;
      }
      if (card || box.top > line) return card || place;
      card = place;
    }
    return card;
  }

  function notePlace() {
    var place = placeAt(topLine());
    return place && { id: place.id, top: place.getBoundingClientRect().top };
  }

  function returnToPlace(noted) {
    var place = noted && document.getElementById(noted.id);
    if (place) window.scrollBy(0, place.getBoundingClientRect().top - noted.top);
  }

  var placeBeforeSwap = null;
  function isLanguageSwitch(elt) {
    var toggle = elt && elt.closest && elt.closest(".toggle");
    return Boolean(toggle) && !toggle.classList.contains("sort");
  }
  document.addEventListener("htmx:beforeSwap", function (event) {
    placeBeforeSwap = isLanguageSwitch(event.detail.requestConfig && event.detail.requestConfig.elt) ? notePlace() : null;
  });
  document.addEventListener("htmx:afterSwap", function () {
    returnToPlace(placeBeforeSwap);
  });
  document.addEventListener("htmx:afterSettle", function () {
    returnToPlace(placeBeforeSwap);
    placeBeforeSwap = null;
  });

  // A reload or Back brings a list back with every page infinite scroll had
  // loaded (?page=1-3); bring the reader back to the same card too. The place
  // is kept in this history entry's state as the reader scrolls, and taken
  // up again when the entry is loaded afresh. A link to an anchor (#p-3)
  // is a new entry, with no state: the browser's own scroll stands.
  if ("scrollRestoration" in history) history.scrollRestoration = "manual";
  function keepPlace() {
    var noted = notePlace();
    history.replaceState(Object.assign({}, history.state, { place: noted, scrollY: window.scrollY }), "");
  }
  var keepTimer = null;
  window.addEventListener("scroll", function () {
    clearTimeout(keepTimer);
    keepTimer = setTimeout(keepPlace, 200);
  }, { passive: true });
  window.addEventListener("pagehide", keepPlace);
  function takeUpPlace() {
    var state = history.state;
    if (!state || state.scrollY === undefined) return;
    if (state.place && document.getElementById(state.place.id)) returnToPlace(state.place);
    else window.scrollTo(0, state.scrollY);
  }
  takeUpPlace();
  window.addEventListener("load", takeUpPlace);

  // A swap that replaces the element in focus (a toggle, a sort link, the
  // "More news" link) would drop focus to the page. Put it back on the
  // element with the same id, or, after "More news", on the first new card,
  // or after "2 new articles", on the newest.
  var focusedId = null, cardBeforeMore = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var active = document.activeElement;
    focusedId = active && active !== document.body ? active.id : null;
    cardBeforeMore = event.detail.elt.id === "load-more" ? event.detail.elt.previousElementSibling : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (document.activeElement && document.activeElement !== document.body) return;
    if (focusedId === "load-more" && cardBeforeMore) {
      var next = cardBeforeMore.nextElementSibling;
      var link = next && next.querySelector(".card-title a");
      if (link) link.focus();
    } else if (focusedId === "new-articles-link") {
      var newest = document.querySelector("#cards > .card .card-title a");
      if (newest) newest.focus();
    } else if (focusedId && document.getElementById(focusedId)) {
      document.getElementById(focusedId).focus({ preventScroll: true });
    }
    focusedId = null;
  });

  // Sharing an article: copy its link, or open the system's share sheet
  // where the browser has one (the button stays hidden elsewhere).
  function offerShareSheet(root) {
    if (!navigator.share || !root.querySelectorAll) return;
    root.querySelectorAll(".share-native").forEach(function (button) { button.hidden = false; });
  }
  offerShareSheet(document);
  document.addEventListener("htmx:load", function (event) { offerShareSheet(event.detail.elt); });
  document.addEventListener("click", function (event) {
    var button = event.target.closest(".share-copy, .share-native");
    var box = button && button.closest(".share");
    if (!box) return;
    var url = box.dataset.shareUrl, status = box.querySelector(".share-status");
    if (button.classList.contains("share-native")) {
      navigator.share({ title: box.dataset.shareTitle, url: url }).catch(function () {});
    } else if (navigator.clipboard) {
      navigator.clipboard.writeText(url).then(
        function () { status.textContent = box.dataset.copied; },
        function () { status.textContent = url; }
      );
    } else {
      status.textContent = url;  // no clipboard here: at least show it, to select by hand
    }
  });

  // Editor form: a tag button adds its tag to the comma-separated field.
  document.addEventListener("click", function (event) {
    var button = event.target.closest(".tag-pick");
    if (!button) return;
    var field = document.getElementById("tags");
    var entries = field.value.split(/[,，]/).map(function (s) { return s.trim(); }).filter(Boolean);
    if (entries.indexOf(button.dataset.tag) === -1) entries.push(button.dataset.tag);
    field.value = entries.join(", ");
    field.dispatchEvent(new Event("input", { bubbles: true }));
  });

  // Editor form: warn before leaving the page with unsaved text, including
  // text the server sent back with a refused save.
  var dirty = Boolean(document.querySelector("form[data-unsaved]"));
  document.addEventListener("input", function (event) {
    var form = event.target.form;
    if (form && form.hasAttribute("data-warn-unsaved") && event.target.name !== "preview_show") dirty = true;
  });
  document.addEventListener("submit", function () { dirty = false; });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) event.preventDefault();
  });
})();
