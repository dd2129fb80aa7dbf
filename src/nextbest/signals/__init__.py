"""Signal detectors: pure functions of a client's money that find what to suggest."""
