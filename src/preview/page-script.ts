/**
 * The preview page's script (plain ES2017, no build step): view and
 * subscriber switching kept in the URL hash, lazy loading of each view,
 * live reload over Server-Sent Events, and the screenshots button.
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

  show();
})();
`;
