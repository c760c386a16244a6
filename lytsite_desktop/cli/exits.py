"""The command line's exit status, for scripts (see ``shared/DESIGN.md``)."""

EXIT_OK = 0  # every file published
EXIT_FAILED = 1  # some files failed, each reported with its reason
EXIT_USAGE = 2  # bad usage or configuration
EXIT_INTERRUPTED = 130  # stopped with Ctrl-C; `resume` finishes it
