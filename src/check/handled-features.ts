/**
 * Features the template uses on purpose, knowing some clients ignore them,
 * with what those clients get instead. `check` lists these as "handled" (info)
 * rather than errors. Keyed by the caniemail feature title.
 *
 * Add an entry only with a real fallback a reader will see, and say what it is.
 * A feature missing here that a target client does not support is an error.
 */
export const HANDLED_FEATURES: Record<string, { why: string; fallback: string }> = {
  '@media (prefers-color-scheme)': {
    why: 'dark-mode colours for Apple Mail, iOS Mail and Outlook for Mac',
    fallback: 'the light design from inline styles; Outlook.com gets dark mode from the [data-ogsc] rules, and Gmail apps invert colours themselves',
  },
  '@media': {
    why: 'the phone layout: narrower padding, smaller headline, full-width button',
    fallback: 'the fluid column (width:100%, max-width:600px) still fits a phone; only the padding stays desktop-sized',
  },
  'Attribute selector': {
    why: '[data-ogsc] rules that give Outlook.com dark mode',
    fallback: 'the rules are ignored and the light inline styles apply',
  },
  'border-radius': {
    why: 'rounded corners on the card, images and button',
    fallback: 'square corners (Outlook for Windows)',
  },
  '<body> element': {
    why: 'the page background colour on <body>',
    fallback: 'the wrapping table cell repeats the background colour, and the card keeps its own',
  },
  'height property': {
    why: 'height:auto on images so they scale with max-width:100%',
    fallback: 'images keep their proportions from the width attribute',
  },
  'target attribute': {
    why: 'React Email links carry target="_blank"',
    fallback: 'these clients open every link in a new tab or window anyway',
  },
  'display:none': {
    why: 'hiding the preheader text in the body',
    fallback: 'the preheader is also hidden by max-height:0, overflow:hidden, opacity:0 and line-height:1px; any one of them hides it',
  },
  overflow: {
    why: 'hiding the preheader text in the body (overflow:hidden)',
    fallback: 'display:none, max-height:0 and opacity:0 hide it as well',
  },
  opacity: {
    why: 'hiding the preheader text in the body (opacity:0)',
    fallback: 'display:none, max-height:0 and overflow:hidden hide it as well',
  },
  'max-height property': {
    why: 'hiding the preheader text in the body (max-height:0)',
    fallback: 'display:none, overflow:hidden and opacity:0 hide it as well',
  },
  outline: {
    why: 'img{outline:none} reset for linked images',
    fallback: 'cosmetic only: a client that ignores it may draw a focus outline',
  },
  'text-decoration-line': {
    why: 'React Email writes text-decoration-line next to text-decoration',
    fallback: 'the text-decoration shorthand on the same element',
  },
  'color-scheme CSS property': {
    why: 'declaring that the email supports light and dark',
    fallback: 'the client picks its own scheme; the colours are chosen to survive inversion',
  },
  'aria-label attribute': {
    why: 'names the role="article" email wrapper with the subject, for screen readers (https://www.caniemail.com/features/html-aria-label/)',
    fallback: 'Yahoo drops the attribute: the wrapper is then an unnamed article, and the mail client still announces the subject itself',
  },
  'color-scheme meta tag': {
    why: 'declaring that the email supports light and dark',
    fallback: 'the client picks its own scheme; the colours are chosen to survive inversion',
  },
};
