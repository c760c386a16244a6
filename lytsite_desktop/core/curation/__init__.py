"""The photographer's control over what is published: title, cover, hidden files,
order (:mod:`.edits`), and taking files or whole projects back (:mod:`.plans`,
:mod:`.deletions`)."""
