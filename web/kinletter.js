/* SPDX-License-Identifier: MIT */
/* web/kinletter.js: progressive enhancement only; every page works without it.
 * Moves focus to the error summary when a form comes back with errors. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector(".error-summary");
    if (summary) {
      summary.focus();
    }
  });
})();
