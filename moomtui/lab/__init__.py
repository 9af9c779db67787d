"""The lab: many headless runs and what they say together (``moomtui sweep``, ``compare``).

- :mod:`.spec` — a sweep file: presets × policy configurations × parameter and sysctl
  grids × seeds, expanded to :class:`Job`\\ s (plain data, cheap to send anywhere);
- :mod:`.families` — workload families: a preset field given as a distribution, drawn from
  the run's seed;
- :mod:`.runner` — one job run (in whatever process runs it);
- :mod:`.engines` — where the jobs run: local worker processes, or Dask distributed;
- :mod:`.results` — the results file, one row per run, appended as runs finish, resumed;
- :mod:`.summary` — medians, bootstrap intervals, the best configuration per criterion
  (only beyond the interval, never one that livelocked or panicked where the criterion
  hides it) and paired win/loss/tie counts;
- :mod:`.command` — ``moomtui sweep``.

``moomtui compare`` is the simple case: one preset, its configurations, its seeds; it runs
through the same jobs, engine and summary. docs/lab.md tells how to use it.
"""
