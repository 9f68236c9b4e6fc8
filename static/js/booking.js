// Booking intake: show the safety help at once when the reader answers that she does not feel
// safe at home. Without JavaScript the same help appears on the next page.
(function () {
  "use strict";
  var help = document.querySelector("[data-safety-help]");
  if (!help) {
    return;
  }
  document.addEventListener("change", function (event) {
    if (event.target.name === "feels_safe") {
      help.hidden = event.target.value !== "nee";
    }
  });
})();
