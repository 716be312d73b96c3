"""msp-tui: a keyboard-first service desk console for managed service providers."""

__version__ = "0.1.0"
