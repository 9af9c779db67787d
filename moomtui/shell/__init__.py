"""The console shell: one command language for the screen, scripts and presets."""
