"""brisk's exceptions: brisk.Error and its subclasses, raised with the command line's
one-line messages (the C++ side maps brisk's ErrorKind onto them: core/base/error.hpp)."""


class Error(Exception):
    """Base of every brisk error (also raised as is for a run that failed a check)."""


class UsageError(Error, ValueError):
    """A bad option value (the CLI's exit code 2), e.g. an unknown method."""


class InputError(Error, ValueError):
    """A bad input file or data (exit code 3): malformed, wrong shape, NaN, unknown layer."""


class NotFoundError(InputError, FileNotFoundError):
    """A model, network or data file that does not exist."""


class InternalError(Error, RuntimeError):
    """A bug in brisk (an invariant did not hold; exit code 4)."""
