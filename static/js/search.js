// Search without a trace in the address bar or the history: with JavaScript, the results are
// fetched into the page (no navigation, so no history entry and no search word in the address
// or the title). Without JavaScript the form is an ordinary GET, and the page says so next to
// the field. The answers are `no-store`, so the browser's cache keeps none of them.
(function () {
  "use strict";

  var form = document.querySelector("form[data-search-in-page]");
  var results = document.getElementById("search-results");
  if (!form || !results || !window.fetch || !window.DOMParser) {
    return;
  }
  var input = form.querySelector("input[name=q]");
  var without = form.querySelector("[data-without-script]");
  var withScript = form.querySelector("[data-with-script]");
  if (without) { without.hidden = true; }
  if (withScript) { withScript.hidden = false; }
  if (input) { input.setAttribute("aria-describedby", "search-hint-script"); }

  function show(url) {
    results.setAttribute("aria-busy", "true");
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var found = page.getElementById("search-results");
        results.innerHTML = found ? found.innerHTML : "";
        results.removeAttribute("aria-busy");
        var status = results.querySelector("[role=status]");
        if (status) {
          status.setAttribute("tabindex", "-1");
          status.focus();
        }
      })
      .catch(function () {
        // No navigation as a fallback: that would put the word in the history. Say so instead.
        results.removeAttribute("aria-busy");
        var message = document.createElement("p");
        message.setAttribute("role", "alert");
        message.textContent = form.getAttribute("data-failed") || "";
        results.replaceChildren(message);
      });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var query = new URLSearchParams(new FormData(form)).toString();
    show(form.action + "?" + query);
  });

  // Pages of results and topic links stay in the page too, as long as they are searches.
  results.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[href]") : null;
    if (!link) { return; }
    var url = new URL(link.href, window.location.href);
    if (url.origin === window.location.origin && url.pathname === new URL(form.action).pathname) {
      event.preventDefault();
      show(url.href);
    }
  });
})();
