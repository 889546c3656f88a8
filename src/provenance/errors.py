"""The library's exceptions. The CLI maps each class to one exit code, in one place."""


class ProvenanceError(Exception):
    """Base class of every error the library raises on purpose."""

    exit_code = 3


class InputError(ProvenanceError):
    """An article could not be read: missing, unreadable, empty, binary or undecodable."""


class IndexError_(ProvenanceError):
    """The index is missing, unreadable, corrupt, foreign or of another format version."""


class ConfigError(ProvenanceError):
    """A setting or configuration file is invalid (a usage error)."""

    exit_code = 2


class LimitError(InputError):
    """An input exceeds a configured limit (for example the maximum article size)."""
