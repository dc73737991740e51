"""Emergency plans (应急预案): keeping them as versions (``library``), turning a task into the need it posts
(``task_needs``), and starting a plan on an incident (``starting``). The rules are in ``dispatch/domain/plans/``."""
