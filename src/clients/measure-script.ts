/**
 * Scripts Marionette runs in Thunderbird's message window (chrome context), as plain
 * JavaScript: they run inside Thunderbird, not in Node, so they are kept as text.
 *
 * The message is in `<browser id="messagepane">` inside about:message inside the window's
 * `messageBrowser`; Thunderbird renders it in the parent process, so the chrome context reads
 * its document directly, after the dark reader and Thunderbird's sanitizing have run.
 */
const MESSAGE_DOCUMENT = String.raw`
  var about = document.getElementById('messageBrowser');
  var pane = about && about.contentDocument && about.contentDocument.getElementById('messagepane');
  var doc = pane && pane.contentDocument;
  if (!doc || doc.readyState !== 'complete' || !doc.querySelector('.moz-text-html, .moz-text-flowed, .moz-text-plain')) return null;
`;

/** The window's and the message's sizes, once the message is loaded (null before: each script returns null until then). */
export const MESSAGE_READY = String.raw`
  ${MESSAGE_DOCUMENT}
  // The document's own height (not scrollHeight, which is never less than the pane): the window can then shrink to fit too.
  var content = doc.documentElement.getBoundingClientRect().height;
  return { width: window.outerWidth, height: window.outerHeight, paneHeight: pane.clientHeight, docHeight: Math.ceil(content) };
`;

/**
 * What the reader sees, measured in the message document (returns a RenderedMeasure, see types.ts):
 * sideways overflow, every visible text element's colour on its effective background, and
 * the padded links (buttons) with their own background, the background around them and their border.
 * Only the message itself (`.moz-text-html`) is measured, not Thunderbird's header tables.
 */
export const MEASURE_MESSAGE = String.raw`
  ${MESSAGE_DOCUMENT}
  var view = doc.defaultView;
  var root = doc.querySelector('.moz-text-html') || doc.body;
  function parse(c) {
    var m = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)/.exec(c || '');
    return m ? { r: +m[1], g: +m[2], b: +m[3], a: m[4] === undefined ? 1 : +m[4] } : null;
  }
  function hex(c) {
    return '#' + [c.r, c.g, c.b].map(function (v) { return ('0' + Math.round(v).toString(16)).slice(-2); }).join('');
  }
  function blend(top, under) {
    var a = top.a;
    return { r: top.r * a + under.r * (1 - a), g: top.g * a + under.g * (1 - a), b: top.b * a + under.b * (1 - a), a: 1 };
  }
  // The canvas colour (what shows where no element paints): a probe with background Canvas, removed at once.
  var probe = doc.createElement('span');
  probe.style.backgroundColor = 'Canvas';
  doc.documentElement.appendChild(probe);
  var canvas = parse(view.getComputedStyle(probe).backgroundColor) || { r: 255, g: 255, b: 255, a: 1 };
  probe.remove();
  canvas.a = 1;
  // The colour painted behind an element: its own and its ancestors' backgrounds, blended down to the canvas.
  function behind(el) {
    var layers = [];
    for (var node = el; node && node.nodeType === 1; node = node.parentElement) {
      var c = parse(view.getComputedStyle(node).backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
    }
    var colour = canvas;
    for (var i = layers.length - 1; i >= 0; i--) colour = blend(layers[i], colour);
    return colour;
  }
  function visible(el) {
    if (!el.getClientRects().length) return false;
    var s = view.getComputedStyle(el);
    if (s.visibility === 'hidden' || +s.opacity === 0) return false;
    var r = el.getBoundingClientRect();
    return r.width > 1 && r.height > 1;
  }
  function describe(el) {
    var text = (el.textContent || '').replace(/\s+/g, ' ').trim();
    var width = el.getAttribute('width') || (el.style && el.style.width);
    return el.localName + (width ? '[width=' + width + ']' : '') + (text ? ' "' + (text.length > 40 ? text.slice(0, 39) + '…' : text) + '"' : '');
  }
  var texts = [];
  var walker = doc.createTreeWalker(root, 4);
  var seen = new Set();
  for (var t = walker.nextNode(); t; t = walker.nextNode()) {
    var el = t.parentElement;
    if (!el || seen.has(el) || !/\S/.test(t.data) || !visible(el)) continue;
    seen.add(el);
    var s = view.getComputedStyle(el);
    var bg = behind(el);
    var fg = parse(s.color) || { r: 0, g: 0, b: 0, a: 1 };
    texts.push({ element: describe(el), fg: hex(blend(fg, bg)), bg: hex(bg), px: parseFloat(s.fontSize), bold: +s.fontWeight >= 700 });
  }
  var buttons = [];
  root.querySelectorAll('a[href]').forEach(function (a) {
    var s = view.getComputedStyle(a);
    if (!visible(a) || parseFloat(s.paddingTop) < 6 || parseFloat(s.paddingLeft) < 10) return;
    var own = parse(s.backgroundColor);
    var around = behind(a.parentElement);
    var width = parseFloat(s.borderTopWidth);
    var border = parse(s.borderTopColor);
    buttons.push({
      label: (a.textContent || '').replace(/\s+/g, ' ').trim(),
      bg: own && own.a > 0 ? hex(blend(own, around)) : null,
      around: hex(around),
      border: s.borderTopStyle !== 'none' && width >= 1 && border && border.a > 0 ? { color: hex(blend(border, around)), px: width } : null,
    });
  });
  var clientWidth = doc.documentElement.clientWidth;
  var widest;
  root.querySelectorAll('*').forEach(function (el) {
    var r = el.getBoundingClientRect();
    if (r.right <= clientWidth + 1 || !visible(el)) return;
    var parent = el.parentElement && el.parentElement.getBoundingClientRect();
    // The outermost element that sticks out: its parent still fits.
    if (parent && parent.right > clientWidth + 1 && el.parentElement !== root) return;
    if (!widest || r.width > widest.width) widest = { width: r.width, name: describe(el) };
  });
  return {
    scrollWidth: Math.max(doc.documentElement.scrollWidth, doc.body ? doc.body.scrollWidth : 0),
    clientWidth: clientWidth,
    widest: widest ? widest.name : null,
    texts: texts,
    buttons: buttons,
  };
`;
