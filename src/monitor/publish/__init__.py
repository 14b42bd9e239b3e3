"""`monitor publish DIR`: the archive as a static bilingual site (see build.py).

Modules: model (one read of the archive), site (HTML pages), svg (charts), data
(downloads), feed (Atom), notes (methodology per source), i18n (words, months, numbers),
writer (temp folder and swap), hook (the daemon's republish after a cycle). Nothing is
imported here, so the daemon can use `hook` without loading lxml or feedgen.
"""
