"""The shop API's endpoints, one module per resource: parse, call a service or a query, answer.

Nothing else lives here; what every endpoint shares is in loyalty/api/base.py.
"""
