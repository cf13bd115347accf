// The console's only script: a copy button, the playground's streamed chat followed by its receipt, the overview's
// charts and a research run's live progress. Pages work without it except the playground, which streams.
(function () {
  'use strict';
  document.addEventListener('click', function (event) {
    var button = event.target.closest('[data-copy]');
    if (!button) { return; }
    var text = document.getElementById(button.getAttribute('data-copy')).textContent;
    if (navigator.clipboard) {
      navigator.clipboard.writeText(text).then(function () { button.textContent = 'Copied'; }, function () { button.textContent = 'Select and copy'; });
    }
  });

  var form = document.getElementById('playground');
  if (!form) { return; }
  var answer = document.getElementById('answer');
  var status = document.getElementById('playground-status');
  var receipt = document.getElementById('receipt');

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    answer.textContent = '';
    status.textContent = 'Sending…';
    var body = {
      model: form.model.value, route_type: form.route_type.value,
      message: form.message.value, max_tokens: form.max_tokens.value
    };
    fetch('/console/playground/chat', {
      method: 'POST', credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': form.getAttribute('data-csrf') },
      body: JSON.stringify(body)
    }).then(function (response) {
      var requestId = response.headers.get('x-tollgate-request-id');
      if (!response.body || !response.ok) {
        return response.text().then(function (text) { showError(text); return requestId; });
      }
      return read(response.body.getReader(), new TextDecoder(), '').then(function () { return requestId; });
    }).then(function (requestId) {
      status.textContent = requestId ? 'Done: ' + requestId : 'Done.';
      if (requestId) { showReceipt(requestId); }
    }).catch(function (error) { status.textContent = 'Failed: ' + error; });
  });

  function read(reader, decoder, pending) {
    return reader.read().then(function (chunk) {
      if (chunk.done) { return; }
      pending += decoder.decode(chunk.value, { stream: true });
      var lines = pending.split('\n');
      pending = lines.pop();
      lines.forEach(function (line) {
        if (line.indexOf('data:') !== 0) { return; }
        var data = line.slice(5).trim();
        if (data === '[DONE]') { return; }
        try {
          var event = JSON.parse(data);
          if (event.error) { showError(JSON.stringify(event)); return; }
          var delta = event.choices && event.choices[0] && event.choices[0].delta;
          if (delta && delta.content) { answer.textContent += delta.content; }
        } catch (e) { /* a partial or foreign line: ignored */ }
      });
      return read(reader, decoder, pending);
    });
  }

  function showError(text) {
    var message = text;
    try { message = JSON.parse(text).error.message; } catch (e) { /* not JSON */ }
    answer.textContent = 'Refused: ' + message;
  }

  function showReceipt(requestId) {
    fetch('/console/usage/' + encodeURIComponent(requestId) + '?fragment=1', { credentials: 'same-origin' })
      .then(function (response) { return response.text(); })
      .then(function (html) { receipt.innerHTML = html; });
  }
}());

// The overview's spend charts, drawn with uPlot (served from its WebJar) over the server-drawn SVG.
(function () {
  'use strict';
  if (!window.uPlot) { return; }
  document.querySelectorAll('figure[data-chart]').forEach(function (figure) {
    var currency = figure.getAttribute('data-currency');
    var days = figure.getAttribute('data-days').split(',');
    var values = figure.getAttribute('data-values').split(',').map(Number);
    var xs = days.map(function (day) { return Date.parse(day + 'T12:00:00Z') / 1000; });
    var options = {
      width: Math.max(200, figure.clientWidth - 32), height: 180, legend: { show: false },
      scales: { x: { time: true } },
      series: [{}, { label: currency, stroke: '#0b57d0', fill: 'rgba(11, 87, 208, 0.35)',
        paths: uPlot.paths.bars({ size: [0.7] }) }],
      axes: [{}, { size: 80, label: currency, labelSize: 20 }]
    };
    var svg = figure.querySelector('svg');
    new uPlot(options, [xs, values], figure);
    if (svg) { svg.remove(); }
  });
}());

// A running research run's page: follows the run's event stream, listing each event and redrawing the page's
// sections as they finish; at the run's end the redrawn part holds the report. Without script (or without
// EventSource) the page refreshes itself instead.
(function () {
  'use strict';
  var live = document.getElementById('run-live');
  if (!live) { return; }
  if (!window.EventSource) {
    setTimeout(function () { location.reload(); }, 2000);
    return;
  }
  var log = document.getElementById('run-events');
  var ended = false;
  var source = new EventSource(live.getAttribute('data-events'));
  source.onmessage = function (message) {
    var event;
    try { event = JSON.parse(message.data); } catch (e) { return; }
    var item = document.createElement('li');
    item.textContent = event.type + (event.section ? ': ' + event.section : '') + (event.status ? ' (' + event.status + ')' : '');
    log.appendChild(item);
    if (event.type === 'run.ended') {
      ended = true;
      source.close();
      redraw();
    } else if (event.type !== 'section.started') {
      redraw();
    }
  };
  source.onerror = function () {
    if (ended) { return; }
    // the stream broke (a restart, a proxy): fall back to refreshing the page
    source.close();
    setTimeout(function () { location.reload(); }, 2000);
  };

  function redraw() {
    fetch(location.href, { credentials: 'same-origin' })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, 'text/html').getElementById('run-body');
        var current = document.getElementById('run-body');
        if (fresh && current) { current.replaceWith(fresh); }
      });
  }
}());
