// Quick exit: leave the site at once by a click on a [data-quick-exit] link or by pressing
// Shift three times. The page is hidden first, then replaced in the tab's history by /exit/,
// which clears what the site stored and sends the reader to a neutral site.
(function () {
  "use strict";

  var PRESSES_NEEDED = 3;
  var WINDOW_MS = 5000;
  var presses = 0;
  var timer = null;
  var shiftUsedWithOtherKey = false;

  function exitUrl() {
    var link = document.querySelector("a[data-quick-exit]");
    return link ? link.href : "/exit/";
  }

  function status(key) {
    var region = document.querySelector(".quick-exit-status");
    if (region) {
      region.textContent = key ? region.getAttribute("data-" + key) || "" : "";
    }
  }

  function showPresses(count) {
    document.documentElement.setAttribute("data-quick-exit-presses", String(count));
  }

  function reset() {
    presses = 0;
    window.clearTimeout(timer);
    timer = null;
    showPresses(0);
  }

  function leave(url) {
    document.documentElement.classList.add("quick-exit-active");
    if (!document.querySelector(".quick-exit-overlay")) {
      var overlay = document.createElement("div");
      overlay.className = "quick-exit-overlay";
      document.body.appendChild(overlay);
    }
    status("leaving");
    // replace(): Back will not bring the reader to this page again.
    window.location.replace(url || exitUrl());
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-quick-exit]");
    if (!link || event.defaultPrevented) {
      return;
    }
    event.preventDefault();
    leave(link.href);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Shift") {
      // Shift+letter is typing, not a quick exit: neither press counts.
      if (event.shiftKey) {
        shiftUsedWithOtherKey = true;
      }
      if (presses > 0) {
        reset();
        status("");
      }
    }
  });

  document.addEventListener("keyup", function (event) {
    if (event.key !== "Shift") {
      return;
    }
    if (shiftUsedWithOtherKey) {
      shiftUsedWithOtherKey = false;
      return;
    }
    presses += 1;
    showPresses(presses);
    window.clearTimeout(timer);
    if (presses >= PRESSES_NEEDED) {
      reset();
      leave();
      return;
    }
    status(presses === 1 ? "pressed-one" : "pressed-two");
    timer = window.setTimeout(function () {
      reset();
      status("expired");
    }, WINDOW_MS);
  });

  // Coming back through the back/forward cache: show the page again and start afresh.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      document.documentElement.classList.remove("quick-exit-active");
      var overlay = document.querySelector(".quick-exit-overlay");
      if (overlay) {
        overlay.remove();
      }
      reset();
      status("");
    }
  });
})();
