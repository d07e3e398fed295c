"""OAuth clients of QSM: SmartShip and the demo third-party app. None imports from idp/."""
