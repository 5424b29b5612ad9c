// The PreviewProps of emails/newsletter.tsx: a committed sample (the seed issue, shortened), so the
// template type-checks and React Email shows something on a fresh clone with `email dev --dir emails`.
// `npm run dev` shows the newest issue instead: it generates emails/_preview/newsletter.tsx (not
// committed). Merge fields are filled as for check's sample subscriber, Ada Lovelace. Nothing rewrites this file.
import type { MergeValues, NewsletterProps } from '../src/content/index.ts';

export const previewProps = {
  "newsletter": {
    "name": "The Hemisphere Brief",
    "tagline": "Politics and diplomacy across the Americas, explained in five minutes.",
    "website": "https://hemispherebrief.example.com",
    "language": "en",
    "direction": "ltr",
    "from": {
      "name": "The Hemisphere Brief",
      "email": "brief@hemispherebrief.example.com"
    },
    "replyTo": "editors@hemispherebrief.example.com",
    "postalAddress": "The Hemisphere Brief, 1200 Example Avenue, Suite 400, Washington, DC 20005, USA",
    "colors": {
      "brand": "#0b5cad",
      "text": "#1f2328",
      "muted": "#57606a",
      "background": "#f3f4f6",
      "surface": "#ffffff"
    },
    "listId": "hemisphere-brief.hemispherebrief.example.com",
    "unsubscribeUrl": "https://hemispherebrief.example.com/unsubscribe",
    "webVersionUrl": "https://hemispherebrief.example.com/issues/{slug}",
    "greeting": "Hi Ada,",
    "greetingFallback": "there",
    "utm": {
      "source": "newsletter",
      "medium": "email"
    }
  },
  "issue": {
    "number": 1,
    "date": "2026-02-05",
    "subject": "Trump and Petro’s unlikely Oval Office meeting",
    "preheader": "After months of threats and sanctions, a nearly two-hour talk ended with a red cap and a new slogan.",
    "cta": {
      "label": "Browse past issues",
      "url": "https://hemispherebrief.example.com/issues"
    },
    "greeting": "Hi Ada,",
    "headline": [
      {
        "type": "text",
        "value": "🤝🇺🇸🇨🇴 Trump and Colombia’s Petro Hold Unlikely Oval Office Meeting"
      }
    ],
    "lead": [
      {
        "type": "paragraph",
        "children": [
          {
            "type": "text",
            "value": "Donald Trump and Gustavo Petro met at the White House this week for their first in-person talks, marking a surprising diplomatic shift after months of harsh rhetoric and strained U.S.–Colombia relations. The nearly two-hour meeting took place on February 3 in the Oval Office."
          }
        ]
      },
      {
        "type": "paragraph",
        "children": [
          {
            "type": "text",
            "value": "Initially seen as tense — with Trump previously threatening possible military action against Colombia and accusing Petro of failing to stop drug trafficking — the encounter ended on a decidedly friendlier note. Both leaders described their talks as productive and constructive. Trump told reporters he and Petro “got along very well,” calling the Colombian president “terrific.” Petro characterized the discussion as “positive and optimistic.”"
          }
        ]
      }
    ],
    "sections": [
      {
        "heading": [
          {
            "type": "text",
            "value": "📍 Historic Diplomatic Turn"
          }
        ],
        "blocks": [
          {
            "type": "paragraph",
            "children": [
              {
                "type": "text",
                "value": "The meeting was the first between Trump and a South American head of state since the U.S. raid that led to the capture of Nicolás Maduro in January — a development that had previously heightened regional tensions."
              }
            ]
          },
          {
            "type": "paragraph",
            "children": [
              {
                "type": "text",
                "value": "Despite earlier clashes — including Trump’s public criticism of Petro over narcotics and threats about military force — both sides walked away emphasizing cooperation on shared concerns, particularly security, counternarcotics efforts, and regional stability."
              }
            ]
          }
        ]
      },
      {
        "heading": [
          {
            "type": "text",
            "value": "🎁 Symbolic Gesture: “Make the Americas Great Again”"
          }
        ],
        "blocks": [
          {
            "type": "paragraph",
            "children": [
              {
                "type": "text",
                "value": "A standout moment came when Trump presented Petro with a red “Make America Great Again” cap. In a light-hearted diplomatic twist, Petro added an “s” to the slogan — transforming it into “Make the Americas Great Again” — reflecting his vision of broader continental collaboration."
              }
            ]
          },
          {
            "type": "paragraph",
            "children": [
              {
                "type": "text",
                "value": "The gesture quickly became emblematic of the unusual détente between the two leaders, illustrating how a symbolic item tied to U.S. domestic politics was repurposed to signal regional solidarity."
              }
            ]
          }
        ]
      }
    ],
    "slug": "2026-02-05-trump-petro-oval-office",
    "webVersionUrl": "https://hemispherebrief.example.com/issues/2026-02-05-trump-petro-oval-office"
  }
} satisfies NewsletterProps;

export const previewSample = {
  "firstName": "Ada",
  "lastName": "Lovelace",
  "email": "ada.lovelace@example.com",
  "unsubscribeUrl": "https://hemispherebrief.example.com/unsubscribe?token=preview-sample-token",
  "webVersionUrl": "https://hemispherebrief.example.com/issues/2026-02-05-trump-petro-oval-office"
} satisfies MergeValues;
