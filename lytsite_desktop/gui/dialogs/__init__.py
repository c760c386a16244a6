"""Dialogs: settings, and connecting a bucket."""
