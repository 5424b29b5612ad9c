import { stringLiteralText } from '../literal.ts';
import { curlyHtml, literalValue } from './shared.ts';
import type { Platform } from './types.ts';

export const brevo: Platform = {
  name: 'brevo',
  title: 'Brevo',
  syntax: 'Brevo Template Language ({{ contact.ATTRIBUTE }}, filters with |)',
  engine: 'django',
  docs: {
    // {{ contact.FIRSTNAME }}, {{ contact.EMAIL }}; predefined {{ mirror }}, {{ unsubscribe }}, {{ update_profile }}.
    'Template language: contact attributes and predefined placeholders': 'https://help.sendinblue.com/hc/en-us/articles/360000946299-About-Sendinblue-Template-Language',
    'Variables (contact, email link and preview variables)': 'https://help.brevo.com/hc/en-us/articles/4402386448530-Customize-your-emails-using-transactional-parameters',
    // "default — Insère une valeur de repli si une variable est vide: {{ contact.FIRSTNAME|default:'there' }}"
    'Filters: default': 'https://help.brevo.com/hc/fr/articles/4405381108626',
  },
  tags: ({ fallback }) => ({
    // Written exactly as Brevo's filter documentation does: no spaces around |, single quotes (safe inside href="…" too).
    firstName: (ctx) => `{{ contact.FIRSTNAME|default:'${literalValue(fallback, ctx)}' }}`,
    lastName: () => '{{ contact.LASTNAME }}',
    email: () => '{{ contact.EMAIL }}',
    unsubscribeUrl: () => '{{ unsubscribe }}',
    webVersionUrl: () => '{{ mirror }}',
  }),
  escapeLiteral: { html: curlyHtml, text: stringLiteralText(/\{[{%#]/g) },
  importSteps: () => [
    'Campaigns → Email → Create an email campaign; Subject line: `subject.txt`; Preview text: `preheader.txt`.',
    'Design: Code your own (paste your code) and paste `email.html`.',
  ],
  notes: ({ fallback }) => [
    `FIRSTNAME, LASTNAME and EMAIL are Brevo's default contact attributes (accounts created in French may name them PRENOM and NOM: rename the tags). Contacts without a first name read “${fallback}”.`,
    '`{{ mirror }}` is Brevo’s hosted “view in browser” page; `{{ unsubscribe }}` its unsubscribe link.',
    'The first-name tag follows Brevo’s filter documentation (https://help.brevo.com/hc/fr/articles/4405381108626): `|default:\'…\'` with no spaces around `|` and single quotes, rather than `| default:"…"`.',
  ],
};
