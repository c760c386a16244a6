"""The transfer engine: parallel, chunked, resumable uploads driven by the journal.

It never imports the gallery or the web page: what a finished file means for the
project's manifest is told to a :class:`~lytsite_desktop.core.listing.Lister`.
"""
