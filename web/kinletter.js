/* SPDX-License-Identifier: MIT */
/* web/kinletter.js: progressive enhancement only; every page works without it.
 * - Moves focus to the error summary when a form comes back with errors.
 * - While a batch is being made (#progress), fetches the page again every 1.5 seconds and
 *   puts the new <main> in place, so the coordinator need not press "Check progress". */
(function () {
  "use strict";

  function focusSummary() {
    var summary = document.querySelector(".error-summary");
    if (summary) {
      summary.focus();
    }
  }

  function followProgress() {
    if (!document.getElementById("progress") || !window.fetch || !window.DOMParser) {
      return;
    }
    window.setTimeout(function () {
      window.fetch(window.location.href, {credentials: "same-origin", cache: "no-store"})
        .then(function (response) {
          return response.text();
        })
        .then(function (html) {
          var fresh = new window.DOMParser().parseFromString(html, "text/html");
          var next = fresh.querySelector("main");
          var main = document.querySelector("main");
          if (!next || !main) {
            return;
          }
          var nodes = [];
          for (var i = 0; i < next.childNodes.length; i++) {
            nodes.push(document.importNode(next.childNodes[i], true));
          }
          main.replaceChildren.apply(main, nodes);
          if (fresh.title) {
            document.title = fresh.title;
          }
          if (document.getElementById("progress")) {
            followProgress();
          } else {
            focusSummary();
          }
        })
        .catch(function () {
          followProgress();
        });
    }, 1500);
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusSummary();
    followProgress();
  });
})();
