"""`actormaker`: the command line for the gateway's public API."""
