"""Settings: ``base`` is the real configuration, ``test`` adjusts it for pytest."""
