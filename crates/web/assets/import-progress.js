// The import's progress page: updates its bar and its live region every
// second from the page's own JSON, and shows the report once the import
// has ended. No timed refresh of the page (WCAG 2.2.1); without
// JavaScript, the page offers a link to refresh it.
(function () {
  'use strict';
  var root = document.querySelector('[data-progress-url]');
  if (!root) return;
  var bar = document.getElementById('avancement');
  var text = document.getElementById('avancement-texte');
  function tick() {
    fetch(root.getAttribute('data-progress-url'), {
      headers: { Accept: 'application/json' },
      credentials: 'same-origin',
    })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (progress) {
        if (progress.ended) {
          window.location.assign(progress.next);
          return;
        }
        if (progress.percent !== null) {
          bar.max = 100;
          bar.value = progress.percent;
          bar.textContent = progress.percent + ' %';
        }
        if (text.textContent !== progress.summary) text.textContent = progress.summary;
        window.setTimeout(tick, 1000);
      })
      .catch(function () {
        // The network hiccuped: try again a little later.
        window.setTimeout(tick, 3000);
      });
  }
  window.setTimeout(tick, 1000);
})();
