"""``manage.py crontask``: django-crontask's scheduler, run from here because its app is not installed.

Installed, the ``crontask`` package is imported by every process at start-up (Django imports each app's
package), and with it APScheduler and ``unittest.mock``: about 0.3 s that only the scheduler needs. Cellway
uses nothing of the app but this command (it has no models, templates or checks), so the command is offered
here, and the package is imported only when it runs. It loads every installed app's ``tasks`` module, whose
``@cron`` schedules register the jobs, as before.
"""

from crontask.management.commands.crontask import Command

__all__ = ["Command"]
