class BrokerError(RuntimeError):
    """The local cluster cannot do what was asked; the message says what to do instead."""
