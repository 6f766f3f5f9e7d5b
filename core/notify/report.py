"""The report of a run as an e-mail: HTML drawn by Jinja2's sandbox with every value escaped,
and a plain-text alternative with the same content."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from jinja2.sandbox import SandboxedEnvironment

from core.notify.digest import Digest

_HTML = """<!doctype html>
<html><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body style="font-family: sans-serif; font-size: 14px; color: #222;">
<h1 style="font-size: 18px;">{{ title }}</h1>
{% if "summary" in d.sections %}
<h2 style="font-size: 16px;">Summary</h2>
<p>Schedule <b>{{ d.schedule }}</b> (id {{ d.schedule_id }}), run {{ d.run_id }}:
<b>{{ d.status }}</b>.</p>
{% if d.error %}<p style="color: #a00;">Error: {{ d.error }}</p>{% endif %}
{% if d.note %}<p>{{ d.note }}</p>{% endif %}
{% if d.steps %}
<table border="1" cellpadding="4" cellspacing="0">
<tr><th>Step</th><th>Kind</th><th>Status</th><th>Detail</th></tr>
{% for s in d.steps %}<tr><td>{{ s.label }}</td><td>{{ s.kind }}</td><td>{{ s.status }}</td>
<td>{{ s.detail }}</td></tr>
{% endfor %}</table>
{% endif %}
{% endif %}
{% if "pii" in d.sections %}
<h2 style="font-size: 16px;">New PII findings</h2>
{% if d.pii %}<table border="1" cellpadding="4" cellspacing="0">
<tr><th>Column</th><th>Tags</th><th>Proposal</th></tr>
{% for f in d.pii %}<tr><td>{{ f.path }}</td><td>{{ f.tags | join(", ") }}</td>
<td>{{ f.status }}</td></tr>
{% endfor %}</table>
{% else %}<p>No new personal data was found in this run.</p>{% endif %}
{% endif %}
{% if "review" in d.sections %}
<h2 style="font-size: 16px;">Review queue{% if d.profile %} of {{ d.profile }}{% endif %}</h2>
{% if d.review %}<p>{{ d.review_total }} proposal(s) wait for a person.</p>
<table border="1" cellpadding="4" cellspacing="0">
<tr><th>Path</th><th>Field</th><th>Proposed</th><th>Confidence</th></tr>
{% for p in d.review %}<tr><td>{{ p.path }}</td><td>{{ p.field }}</td><td>{{ p.value }}</td>
<td>{{ "%.0f" | format(p.confidence * 100) }}%</td></tr>
{% endfor %}</table>
{% if d.review_total > d.review | length %}<p>… and {{ d.review_total - d.review | length }}
more.</p>{% endif %}
{% else %}<p>Nothing waits for review.</p>{% endif %}
{% endif %}
{% if "dictionary" in d.sections %}
<h2 style="font-size: 16px;">Data dictionary{% if d.profile %} of {{ d.profile }}{% endif %}</h2>
{% if d.dictionary %}<table border="1" cellpadding="4" cellspacing="0">
<tr><th>Path</th><th>Description</th><th>Tags</th></tr>
{% for e in d.dictionary %}<tr><td>{{ e.path }}</td><td>{{ e.description }}</td>
<td>{{ e.tags | join(", ") }}</td></tr>
{% endfor %}</table>
{% if d.dictionary_total > d.dictionary | length %}<p>… and
{{ d.dictionary_total - d.dictionary | length }} more.</p>{% endif %}
{% else %}<p>No annotations in this scope yet.</p>{% endif %}
{% endif %}
<p style="color: #666; font-size: 12px;">Sent by AMX Studio Schedules.</p>
</body></html>
"""

# Values from databases and people are data: the HTML escapes every one of them, and the
# template cannot reach beyond the digest it is given.
HTML_TEMPLATE = SandboxedEnvironment(
    autoescape=True, trim_blocks=True, lstrip_blocks=True
).from_string(_HTML)


def default_subject(d: Digest) -> str:
    """`AMX report: nightly — run 12 succeeded`."""
    return f"AMX report: {d.schedule} — run {d.run_id} {d.status}"


def _one_line(text: str) -> str:
    return " ".join(text.split())[:300]


def render_html(d: Digest, title: str) -> str:
    """The report as an HTML document."""
    return HTML_TEMPLATE.render(d=d, title=title)


def _more(total: int, shown: int) -> list[str]:
    return [f"… and {total - shown} more."] if total > shown else []


def render_text(d: Digest, title: str) -> str:
    """The report as plain text, the same content as the HTML."""
    out = [title]
    of = f" OF {d.profile}" if d.profile else ""
    if "summary" in d.sections:
        out += ["", "SUMMARY", f"Schedule {d.schedule} (id {d.schedule_id}), run {d.run_id}: "
                f"{d.status}."]  # fmt: skip
        out += [f"Error: {d.error}"] if d.error else []
        out += [d.note] if d.note else []
        out += [
            f"- {s.label} ({s.kind}): {s.status}" + (f"; {s.detail}" if s.detail else "")
            for s in d.steps
        ]
    if "pii" in d.sections:
        out += ["", "NEW PII FINDINGS"]
        out += [f"- {f.path}: {', '.join(f.tags)} ({f.status})" for f in d.pii] or [
            "No new personal data was found in this run."
        ]
    if "review" in d.sections:
        out += ["", f"REVIEW QUEUE{of}"]
        out += [f"- {p.path} {p.field}: {p.value}" for p in d.review] or [
            "Nothing waits for review."
        ]
        out += _more(d.review_total, len(d.review))
    if "dictionary" in d.sections:
        out += ["", f"DATA DICTIONARY{of}"]
        out += [
            f"- {e.path}: {e.description}" + (f" [{', '.join(e.tags)}]" if e.tags else "")
            for e in d.dictionary
        ] or ["No annotations in this scope yet."]
        out += _more(d.dictionary_total, len(d.dictionary))
    return "\n".join(out) + "\n"


def compose(d: Digest, sender: str, to: list[str], subject: str | None = None) -> EmailMessage:
    """The report as a multipart e-mail: plain text first, HTML as the preferred alternative."""
    title = _one_line(subject or default_subject(d))
    message = EmailMessage()
    message["Subject"] = title
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(render_text(d, title))
    message.add_alternative(render_html(d, title), subtype="html")
    return message
