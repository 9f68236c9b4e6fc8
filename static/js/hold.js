// The held time: two minutes before it lapses, a warning is read out, next to the button that
// keeps the time longer. Without JavaScript the end time is on the page all the same.
(function () {
  "use strict";
  var hold = document.querySelector("[data-hold-until]");
  var warning = document.querySelector("[data-hold-warning]");
  if (!hold || !warning) {
    return;
  }
  var until = Date.parse(hold.getAttribute("data-hold-until"));
  if (isNaN(until)) {
    return;
  }
  var wait = until - 2 * 60 * 1000 - Date.now();
  window.setTimeout(function () {
    warning.hidden = false;
  }, Math.max(wait, 0));
})();
