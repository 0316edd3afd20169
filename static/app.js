// Small enhancements on top of htmx. Every page works without them.
(function () {
  "use strict";

  // The page clock (#clock) asks once a minute for fresh relative times. It
  // sends each distinct timestamp on the page, whatever the number of cards.
  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.elt.id !== "clock") return;
    var stamps = new Set();
    document.querySelectorAll("time[data-relative]").forEach(function (time) {
      stamps.add(time.getAttribute("datetime"));
    });
    event.detail.parameters.t = Array.from(stamps);
  });

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
    if (link && link.href) window.location.assign(link.href);
  }
  document.addEventListener("htmx:responseError", followLink);
  document.addEventListener("htmx:sendError", followLink);
})();
