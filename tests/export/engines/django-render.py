"""Renders one part of a Brevo export with Django's template engine, for tests/export.

Brevo's template language is Django-like ({{ contact.FIRSTNAME|default:'there' }}); Django is the
nearest engine that runs here. Reads {"template","part","context"} as JSON on stdin. Variables
Brevo would not know print a marker the test refuses, instead of vanishing.
"""
import json
import sys

from django.conf import settings

settings.configure()

from django.template import Context, Engine  # noqa: E402

data = json.load(sys.stdin)
# HTML autoescapes, as Django does. The plain text is rendered without escaping: Brevo's import
# steps (src/export/platforms/brevo.ts) use only email.html, so its email.txt is for reference.
autoescape = data["part"] == "html"
engine = Engine(autoescape=autoescape, string_if_invalid="\u2063UNKNOWN:%s\u2063")
sys.stdout.write(engine.from_string(data["template"]).render(Context(data["context"], autoescape=autoescape)))
