import { attr, describe, type HtmlDoc } from './html-doc.ts';
import { classifyUrl } from './links.ts';
import { finding, type Finding } from './report.ts';

const decorative = (role: string | undefined, ariaHidden: string | undefined) => role === 'presentation' || role === 'none' || ariaHidden === 'true';

/** Alt text, width attribute and https of every <img>. */
export function checkImages(doc: HtmlDoc): Finding[] {
  const findings: Finding[] = [];
  const images = doc.all('img');
  for (const img of images) {
    const where = describe(img);
    const alt = attr(img, 'alt');
    const src = attr(img, 'src');
    if (alt === undefined)
      findings.push(finding('images', 'error', 'alt-missing', 'image without an alt attribute; screen readers read out the file name and blocked images leave a blank', { where, fix: 'Add alt text saying what the image shows (in Markdown: ![what it shows](url)), or alt="" with role="presentation" if it is decorative.' }));
    else if (!alt.trim() && !decorative(attr(img, 'role'), attr(img, 'aria-hidden')))
      findings.push(finding('images', 'warning', 'alt-empty', 'image with empty alt text but not marked decorative', { where, fix: 'Describe the image in alt, or add role="presentation" if it is purely decorative.' }));
    if (attr(img, 'width') === undefined)
      findings.push(finding('images', 'warning', 'width-missing', 'image without a width attribute; Outlook for Windows shows it at its full pixel size, which can break the layout', { where, fix: 'Set width (content: `width:` on hero and story images; template: the width prop of <Img>).' }));
    const kind = classifyUrl(src);
    if (kind === 'http')
      findings.push(finding('images', 'warning', 'http', 'image loaded over http; some clients block it or warn about mixed content', { where, fix: 'Serve the image over https.' }));
    else if (kind === 'data')
      findings.push(finding('images', 'warning', 'data-uri', 'image embedded as a data: URI; Gmail and Outlook do not show it', { where, fix: 'Host the image and use its https URL.' }));
    else if (kind !== 'https')
      findings.push(finding('images', 'error', 'src', `image source is not a usable URL (${src === undefined ? 'missing' : JSON.stringify(src)})`, { where, fix: 'Use an absolute https URL.' }));
  }
  if (!findings.length) findings.push(finding('images', 'info', 'ok', images.length ? `${images.length} images: alt text, width and https all present` : 'no images'));
  return findings;
}
