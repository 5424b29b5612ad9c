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
  // msgLoaded: set by Thunderbird right before its MsgLoaded event, whose handler runs the dark reader.
  if (!doc || !about.contentWindow.msgLoaded || doc.readyState !== 'complete' || !doc.querySelector('.moz-text-html, .moz-text-flowed, .moz-text-plain')) return null;
`;

/** The window's and the message's sizes, once the message is loaded (null before: each script returns null until then). */
export const MESSAGE_READY = String.raw`
  ${MESSAGE_DOCUMENT}
  // The document's own height (not scrollHeight, which is never less than the pane): the window can then shrink to fit too.
  var content = doc.documentElement.getBoundingClientRect().height;
  return { height: window.outerHeight, paneHeight: pane.clientHeight, docHeight: Math.ceil(content) };
`;

/**
 * What the reader sees, measured in the message document (returns a RenderedMeasure, see types.ts):
 * sideways overflow (either edge), every visible text element's colour on the background it is
 * drawn on, and the links drawn as buttons with their background, border and what is around them.
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
  // The colour painted behind an element: its own and its ancestors' backgrounds, blended down to
  // the canvas. Remote images are blocked here as in the reader's client, so an http(s) image
  // layer shows its fallback colour; a gradient or an embedded image is drawn, and its colours are
  // unknown: null then.
  function drawnImage(style) {
    var image = style.backgroundImage;
    return !!image && image !== 'none' && !/^url\(["']?https?:/i.test(image);
  }
  function behind(el) {
    var layers = [];
    for (var node = el; node && node.nodeType === 1; node = node.parentElement) {
      var style = view.getComputedStyle(node);
      if (drawnImage(style)) return null;
      var c = parse(style.backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
    }
    var colour = canvas;
    for (var i = layers.length - 1; i >= 0; i--) colour = blend(layers[i], colour);
    return colour;
  }
  function visible(el) {
    // Hidden by opacity or visibility on it or an ancestor (a preheader), or not rendered at all.
    // Both spellings of the options: older Gecko knows them as checkOpacity / checkVisibilityCSS.
    if (el.checkVisibility && !el.checkVisibility({ opacityProperty: true, visibilityProperty: true, checkOpacity: true, checkVisibilityCSS: true })) return false;
    var r = el.getBoundingClientRect();
    // Wholly past the left edge (a skip link at left:-9999px): placed where nobody can scroll to it.
    if (r.width <= 1 || r.height <= 1 || r.right <= 0) return false;
    // Clipped to nothing by an ancestor (max-height:0; overflow:hidden).
    for (var p = el.parentElement; p && p !== root.parentElement; p = p.parentElement) {
      if (view.getComputedStyle(p).overflow === 'visible') continue;
      var pr = p.getBoundingClientRect();
      if (pr.width <= 1 || pr.height <= 1) return false;
    }
    return true;
  }
  function label(el) {
    return (el.textContent || '').replace(/\s+/g, ' ').trim();
  }
  function describe(el) {
    var text = label(el);
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
    var fg = parse(s.color);
    // Transparent text draws nothing; text over an image cannot be judged from colours.
    if (!bg || !fg || fg.a === 0) continue;
    texts.push({ element: describe(el), fg: hex(blend(fg, bg)), bg: hex(bg), px: parseFloat(s.fontSize), bold: +s.fontWeight >= 700 });
  }
  function background(style) {
    var c = parse(style.backgroundColor);
    return c && c.a > 0 ? c : null;
  }
  function border(style) {
    var c = parse(style.borderTopColor);
    return style.borderTopStyle !== 'none' && parseFloat(style.borderTopWidth) >= 1 && c && c.a > 0 ? { colour: c, px: parseFloat(style.borderTopWidth) } : null;
  }
  function padded(style) {
    return parseFloat(style.paddingTop) >= 6 && parseFloat(style.paddingLeft) >= 10;
  }
  // A button is a link with a box of its own: the link, or the cells and tables wrapping it tightly
  // (a "bulletproof" button: <td bgcolor style="padding"> around the <a>), padded or painted.
  // Its fill and border are the innermost ones that differ from what is around the box (a white
  // cell around a blue link is not the button's colour; a cell the colour of its bar paints nothing).
  function differs(c, from) {
    var lum = function (x) {
      var f = function (v) { v /= 255; return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
      return 0.2126 * f(x.r) + 0.7152 * f(x.g) + 0.0722 * f(x.b);
    };
    var a = lum(c), b = lum(from);
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05) >= 1.1;
  }
  var buttons = [];
  root.querySelectorAll('a[href]').forEach(function (a) {
    var text = label(a);
    if (!text || !visible(a)) return;
    var r = a.getBoundingClientRect();
    var chain = [];
    for (var node = a; node && node !== root; node = node.parentElement) {
      var nr = node.getBoundingClientRect();
      if (node !== a && (label(node) !== text || nr.width > r.width + 80 || nr.height > r.height + 48)) break;
      chain.push(node);
    }
    var box = null;
    chain.forEach(function (node) {
      var style = view.getComputedStyle(node);
      if (padded(style) || background(style) || border(style)) box = node;
    });
    if (!box) return;
    var around = behind(box.parentElement);
    if (!around) return;
    var fill = null, edge = null;
    for (var i = 0; i < chain.length && chain[i - 1] !== box; i++) {
      var style = view.getComputedStyle(chain[i]);
      var b = background(style), e = border(style);
      if (!fill && b && differs(blend(b, around), around)) fill = b;
      if (!edge && e && differs(blend(e.colour, around), around)) edge = e;
    }
    buttons.push({
      label: text,
      bg: fill ? hex(blend(fill, around)) : null,
      around: hex(around),
      border: edge ? { color: hex(blend(edge.colour, around)), px: edge.px } : null,
    });
  });
  // Sideways overflow, either way: content past the right edge scrolls; past the left edge
  // (right-to-left text) it is cut off. Elements wholly past the left edge (a skip link at
  // left:-9999px) are placed there on purpose (visible() leaves them out), and a few px of
  // rounding are no overflow.
  var clientWidth = doc.documentElement.clientWidth;
  var widest, cutLeft = 0;
  root.querySelectorAll('*').forEach(function (el) {
    var r = el.getBoundingClientRect();
    if ((r.right <= clientWidth + 1 && r.left >= -4) || !visible(el)) return;
    cutLeft = Math.max(cutLeft, Math.ceil(-r.left));
    var parent = el.parentElement && el.parentElement.getBoundingClientRect();
    // The outermost element that sticks out: its parent still fits.
    if (parent && (parent.right > clientWidth + 1 || parent.left < -4) && el.parentElement !== root) return;
    if (!widest || r.width > widest.width) widest = { width: r.width, name: describe(el) };
  });
  return {
    scrollWidth: Math.max(doc.documentElement.scrollWidth, doc.body ? doc.body.scrollWidth : 0),
    clientWidth: clientWidth,
    cutLeft: cutLeft > 4 ? cutLeft : 0,
    widest: widest ? widest.name : null,
    texts: texts,
    buttons: buttons,
  };
`;
