"""`harness view`: a local web viewer over run transcripts (a JSON API, plain static pages, a static export).
May import: core, run, reports, detection (it only reads).

Modules: `data` reads transcripts into JSON-ready dicts, `server` serves them on loopback, `export` writes the same
pages with the data embedded so that they open from the file system. The pages in `static/` insert every piece of
model and paper text with textContent, never as HTML.
"""
