"""Web safety shared by every site of QSM Connect: headers, redirects, password hashing.

A neutral package: QSM and SmartShip both use it, and neither imports the other.
"""
