// limiter "requests left" widget. Include it on a docs page:
//   <input id="api-key"> <script src="/limiter/widget/widget.js" data-key-input="#api-key"></script>
// It sends the key in a header (never in the URL) and writes text only, never markup.
(function () {
  'use strict';
  var script = document.currentScript;
  var quotaUrl = new URL('quota', script.src).toString();
  var input = document.querySelector(script.getAttribute('data-key-input') || '#api-key');
  var header = script.getAttribute('data-key-header') || 'X-API-Key';
  var every = Math.max(1, Number(script.getAttribute('data-refresh-seconds') || 2)) * 1000;
  var target = script.getAttribute('data-target') ? document.querySelector(script.getAttribute('data-target')) : null;
  if (!target) {
    target = document.createElement('span');
    target.className = 'limiter-quota';
    script.insertAdjacentElement('afterend', target);
  }
  target.setAttribute('aria-live', 'polite');

  function show(message, remaining) {
    target.textContent = message;
    if (remaining === undefined) target.removeAttribute('data-remaining');
    else target.setAttribute('data-remaining', String(remaining));
  }

  function refresh() {
    var key = input ? input.value.trim() : '';
    if (!key) { show('Enter your API key to see your requests left.'); return; }
    var headers = {};
    headers[header] = key;
    fetch(quotaUrl, { headers: headers, credentials: 'omit', cache: 'no-store' })
      .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
      .then(function (q) {
        if ((input ? input.value.trim() : '') !== key) return; // the key changed meanwhile
        show(q.remaining + ' of ' + q.limit + ' requests left (' + q.policy + ', ' + q.key + ')', q.remaining);
      })
      .catch(function (e) { show('Quota unavailable: ' + e.message); });
  }

  if (input) input.addEventListener('change', refresh);
  refresh();
  setInterval(refresh, every);
})();
