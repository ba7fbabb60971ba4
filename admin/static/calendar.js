// Calendar: a click on an appointment opens its pop-up (time, customer, call link, links to the
// appointment and the customer file); a click elsewhere or Escape closes it. No inline handlers (CSP).
(function () {
  "use strict";
  function closeAll(except) {
    document.querySelectorAll(".fd-cal-pop").forEach(function (pop) {
      if (pop !== except) { pop.hidden = true; }
    });
  }
  document.addEventListener("click", function (event) {
    var block = event.target.closest && event.target.closest("a[data-fd-pop]");
    if (block) {
      var pop = document.getElementById(block.getAttribute("data-fd-pop"));
      if (pop) {
        event.preventDefault();
        closeAll(pop);
        pop.hidden = !pop.hidden;
        return;
      }
    }
    if (!(event.target.closest && event.target.closest(".fd-cal-pop"))) { closeAll(null); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { closeAll(null); }
  });
})();
