// limiter live dashboard. Every value from the server is written with textContent or as an
// SVG attribute, never as markup: a key such as <img src=x onerror=alert(1)> stays text.
(function () {
  'use strict';
  var HISTORY = 60;
  var COLORS = ['#2b6cb0', '#c53030', '#2f855a', '#b7791f', '#6b46c1', '#319795', '#d53f8c', '#4a5568'];
  var SVG = 'http://www.w3.org/2000/svg';
  var history = {}; // "policy/outcome" -> [perSecond...]
  var order = [];

  function text(id, value) { document.getElementById(id).textContent = value; }

  function cell(row, value, numeric) {
    var td = document.createElement('td');
    td.textContent = value;
    if (numeric) td.className = 'num';
    row.appendChild(td);
    return td;
  }

  function fmt(n) { return (Math.round(n * 10) / 10).toString(); }

  function renderDecisions(decisions) {
    var body = document.querySelector('#decisions tbody');
    var rows = decisions.map(function (d) {
      var tr = document.createElement('tr');
      tr.setAttribute('data-policy', d.policy);
      tr.setAttribute('data-outcome', d.outcome);
      cell(tr, d.policy); cell(tr, d.outcome);
      cell(tr, fmt(d.perSecond), true).className = 'num per-second';
      cell(tr, String(d.total), true).className = 'num total';
      return tr;
    });
    body.replaceChildren.apply(body, rows);
    var rate = decisions.reduce(function (s, d) { return s + d.perSecond; }, 0);
    text('decisions-rate', fmt(rate));
  }

  function renderKeys(keys) {
    var body = document.querySelector('#top-keys tbody');
    body.replaceChildren.apply(body, keys.map(function (k) {
      var tr = document.createElement('tr');
      cell(tr, k.key).className = 'key';
      cell(tr, String(k.allowed), true); cell(tr, String(k.rejected), true);
      return tr;
    }));
  }

  function renderChart(decisions) {
    decisions.forEach(function (d) {
      var id = d.policy + '/' + d.outcome;
      if (!history[id]) { history[id] = []; order.push(id); }
    });
    order.forEach(function (id) {
      var d = decisions.find(function (x) { return x.policy + '/' + x.outcome === id; });
      var series = history[id];
      series.push(d ? d.perSecond : 0);
      if (series.length > HISTORY) series.shift();
    });
    var max = 1;
    order.forEach(function (id) { history[id].forEach(function (v) { if (v > max) max = v; }); });
    var svg = document.getElementById('chart');
    var legend = document.getElementById('legend');
    var lines = [], items = [];
    order.forEach(function (id, i) {
      var color = COLORS[i % COLORS.length];
      var series = history[id];
      var offset = HISTORY - series.length;
      var points = series.map(function (v, j) {
        return ((offset + j) * 600 / (HISTORY - 1)).toFixed(1) + ',' + (195 - v * 185 / max).toFixed(1);
      }).join(' ');
      var line = document.createElementNS(SVG, 'polyline');
      line.setAttribute('points', points);
      line.setAttribute('fill', 'none');
      line.setAttribute('stroke', color);
      line.setAttribute('stroke-width', '2');
      lines.push(line);
      var li = document.createElement('li');
      var swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = color;
      li.appendChild(swatch);
      li.appendChild(document.createTextNode(id));
      items.push(li);
    });
    text('chart-max', 'scale: 0 to ' + fmt(max) + ' per second, last ' + HISTORY + ' ticks');
    svg.replaceChildren.apply(svg, lines);
    legend.replaceChildren.apply(legend, items);
  }

  function render(s) {
    text('backend', s.backend);
    text('queue-depth', String(s.queueDepth));
    text('adaptive-factor', s.adaptiveFactor === null ? '–' : fmt(s.adaptiveFactor));
    document.getElementById('no-metrics').hidden = s.metrics;
    renderDecisions(s.decisions);
    renderKeys(s.topKeys);
    renderChart(s.decisions);
    document.body.setAttribute('data-tick', String(s.tick));
  }

  var source = new EventSource(document.body.getAttribute('data-events'));
  source.addEventListener('snapshot', function (e) {
    text('status', 'live');
    render(JSON.parse(e.data));
  });
  source.onerror = function () { text('status', 'reconnecting…'); };
})();
