"""What a project publishes beside its files: the manifest."""
