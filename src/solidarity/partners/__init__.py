"""Partners: organisations, networks and their joint actions; users, roles and API tokens."""
