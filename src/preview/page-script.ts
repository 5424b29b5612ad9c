/**
 * The preview page's script (plain ES2017, no build step): view and
 * subscriber switching kept in the URL hash, lazy loading of each view,
 * live reload over Server-Sent Events, the screenshots button and the
 * mail clients button.
 */
export const CLIENT_SCRIPT = String.raw`
(function () {
  var generation = document.body.getAttribute('data-generation');
  var events = new EventSource('/events');
  // The server announces every finished build; a different one means new content (or new problems).
  events.addEventListener('build', function (e) { if (e.data !== generation) location.reload(); });
  if (!document.querySelector('[data-view]')) return;

  var state = { view: 'desktop', who: 'named' };
  new URLSearchParams(location.hash.slice(1)).forEach(function (value, key) { if (key in state) state[key] = value; });
  if (!document.querySelector('[data-panel="' + state.view + '"]')) state.view = 'desktop';
  var loadedFor = {};
  var who = function () { return '?who=' + encodeURIComponent(state.who); };
  var sources = {
    desktop: function () { return '/email.html' + who(); },
    mobile: function () { return '/email.html' + who(); },
    dark: function () { return '/email.html' + who() + '&scheme=dark'; },
    text: function () { return '/email.txt' + who(); },
    source: function () { return '/source' + who(); },
    headers: function () { return '/headers' + who(); },
    check: function () { return '/check'; }
  };

  function fit(frame) {
    try {
      var doc = frame.contentDocument;
      doc.querySelectorAll('a[href]').forEach(function (a) { a.target = '_blank'; a.rel = 'noopener'; });
      frame.style.height = doc.documentElement.scrollHeight + 'px';
    } catch (err) { /* not same-origin: leave the default height */ }
  }

  function load(view) {
    var panel = document.querySelector('[data-panel="' + view + '"]');
    var source = sources[view];
    if (!panel || !source) return;
    var key = view === 'check' ? 'any' : state.who;
    if (loadedFor[view] === key) return;
    loadedFor[view] = key;
    var frame = panel.querySelector('iframe');
    var pre = panel.querySelector('pre');
    if (frame) {
      frame.onload = function () { fit(frame); };
      frame.src = source();
    } else if (pre) {
      pre.textContent = view === 'check' ? 'Running newsletter check (the spam score takes a few seconds)…' : 'Loading…';
      fetch(source()).then(function (r) { return r.text(); }).then(function (t) { pre.textContent = t; },
        function (err) { pre.textContent = 'Could not load: ' + err; });
    }
  }

  function show() {
    document.querySelectorAll('[data-view]').forEach(function (b) { b.setAttribute('aria-pressed', String(b.getAttribute('data-view') === state.view)); });
    document.querySelectorAll('[data-who]').forEach(function (b) { b.setAttribute('aria-pressed', String(b.getAttribute('data-who') === state.who)); });
    document.querySelectorAll('[data-panel]').forEach(function (p) { p.classList.toggle('active', p.getAttribute('data-panel') === state.view); });
    history.replaceState(null, '', '#view=' + state.view + '&who=' + state.who);
    load(state.view);
  }

  document.addEventListener('click', function (e) {
    var button = e.target.closest && e.target.closest('button');
    if (!button) return;
    if (button.hasAttribute('data-view')) { state.view = button.getAttribute('data-view'); show(); }
    if (button.hasAttribute('data-who')) { state.who = button.getAttribute('data-who'); show(); }
    if (button.id === 'shoot') shoot(button);
    if (button.id === 'clients-run') openInClients(button);
  });

  function shoot(button) {
    var status = document.getElementById('status');
    var shots = document.querySelector('.shots');
    button.disabled = true;
    status.textContent = 'Taking screenshots in headless Chromium…';
    fetch('/screenshots' + who(), { method: 'POST' }).then(function (r) { return r.json(); }).then(function (result) {
      button.disabled = false;
      if (result.error) { status.innerHTML = ''; status.append(result.error + (result.fix ? ' Fix: ' + result.fix : '')); status.className = 'bad'; return; }
      var o = result.overflow375;
      status.className = o.overflowing ? 'bad' : 'good';
      status.textContent = (o.overflowing ? 'Overflows sideways at 375 px (' + o.scrollWidth + ' px wide). ' : 'No sideways overflow at 375 px. ') + 'Saved in ' + result.dir;
      shots.textContent = '';
      result.files.forEach(function (f) {
        var fig = document.createElement('figure');
        fig.className = 'w' + f.width;
        var img = document.createElement('img');
        img.src = f.url; img.alt = f.name;
        var cap = document.createElement('figcaption');
        cap.textContent = f.name;
        fig.append(img, cap);
        shots.append(fig);
      });
      state.view = 'screenshots';
      show();
    }, function (err) { button.disabled = false; status.className = 'bad'; status.textContent = 'Screenshots failed: ' + err; });
  }

  function openInClients(button) {
    var status = document.getElementById('status');
    button.disabled = true; // the server also joins a second request to the run in flight
    status.className = '';
    status.textContent = 'Opening the message in Thunderbird and Evolution… (about 15 s)';
    fetch('/clients' + who(), { method: 'POST' }).then(function (r) { return r.json(); }).then(function (result) {
      button.disabled = false;
      if (result.error) { status.className = 'bad'; status.textContent = result.error + (result.fix ? ' Fix: ' + result.fix : ''); return; }
      var errors = result.findings.filter(function (f) { return f.severity === 'error'; }).length;
      status.className = errors ? 'bad' : 'good';
      status.textContent = (errors ? errors + ' problem' + (errors === 1 ? '' : 's') + ' in readers’ mail clients. ' : 'No problems in readers’ mail clients. ') + 'Saved in ' + result.dir;
      showClientResult(result);
      state.view = 'clients';
      show();
    }, function (err) { button.disabled = false; status.className = 'bad'; status.textContent = 'Mail clients failed: ' + err; });
  }

  function showClientResult(result) {
    var panel = document.querySelector('[data-panel="clients"]');
    var list = panel.querySelector('.client-findings');
    list.textContent = '';
    result.findings.forEach(function (f) { // errors first: the server sorts them
      var li = document.createElement('li');
      li.className = f.severity;
      li.textContent = f.message;
      if (f.fix && f.severity !== 'info') { var fix = document.createElement('small'); fix.textContent = 'fix: ' + f.fix; li.append(document.createElement('br'), fix); }
      list.append(li);
    });
    var sheet = panel.querySelector('.client-sheet');
    var link = document.createElement('a');
    link.href = result.sheet; link.target = '_blank'; link.rel = 'noopener';
    link.textContent = 'Open the contact sheet (' + result.dir + '/index.html)';
    sheet.textContent = '';
    sheet.append(link);
    var shots = panel.querySelector('.client-shots');
    var rows = {};
    shots.textContent = '';
    result.files.forEach(function (f) {
      if (!rows[f.client]) {
        var heading = document.createElement('h2');
        heading.textContent = f.label;
        rows[f.client] = document.createElement('div');
        rows[f.client].className = 'shots';
        shots.append(heading, rows[f.client]);
      }
      var fig = document.createElement('figure');
      var full = document.createElement('a');
      full.href = f.url; full.target = '_blank'; full.rel = 'noopener';
      var img = document.createElement('img');
      img.src = f.url; img.alt = f.caption + ': the issue as this client shows it';
      img.style.width = Math.round(f.width / 2) + 'px'; // half size: a narrow window beside a wide one, as they compare on screen
      var cap = document.createElement('figcaption');
      cap.textContent = f.caption;
      full.append(img);
      fig.append(full, cap);
      rows[f.client].append(fig);
    });
  }

  show();
})();
`;
