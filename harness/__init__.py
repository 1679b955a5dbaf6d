"""harness: a testbed for nested delegation and persuasive-but-wrong sub-agents."""

__version__ = "0.1.0"
