"""The one relying-party core of QSM's clients here (SmartShip, Parcel Pal): every rule of talking
to QSM lives in one module of this package (see the README's layout), and a site passes its
registration (registration.py) as a parameter. Neutral: no site imports, no site's config read."""
