"""The Textual app: screens, widgets, stylesheets and themes."""
