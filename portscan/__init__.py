"""portscan: a static analyzer for the ports of a monorepo."""

__version__ = "0.1.0"
