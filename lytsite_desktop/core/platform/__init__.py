"""What depends on the operating system around the app: sleep, the log, the self-check."""
