"""What every relying party of QSM here shares (SmartShip, the demo app): encryption of the
tokens it keeps, and validation of QSM's back-channel logout tokens. Neutral: no site imports."""
