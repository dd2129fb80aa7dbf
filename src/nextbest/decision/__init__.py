"""The decision loop: the action catalog and its engagement rules."""
