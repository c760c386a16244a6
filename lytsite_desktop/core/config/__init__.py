"""This computer's settings, where files live, and the keyring (secrets never in a file)."""
