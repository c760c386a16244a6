"""Turning dropped paths into files to publish, and recognising what each file is."""
