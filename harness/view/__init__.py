"""`harness view`: a local web viewer over run transcripts (a JSON API, plain static pages, a static export).
May import: core, run, reports, detection.

The viewer reads, with one exception that issue 16 asks for: a reader's label of a candidate (correct, wrong or
vacuous, with a note and their name), which `server` stores as a `human_label` event through the transcript's own
`Transcript.add_human_label`, never with SQL of its own. Nothing else is written; a static export cannot label.

Modules: `data` reads transcripts into JSON-ready dicts, `server` serves them on loopback (and takes labels from this
machine only), `export` writes the same pages with the data embedded so that they open from the file system. The
pages in `static/` insert every piece of model and paper text with textContent, never as HTML.
"""
