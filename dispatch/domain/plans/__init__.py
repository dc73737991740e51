"""Plans, warnings and standby (应急预案、预警、备勤): the rules, without a database.

A plan says, for a kind and level of event, which teams do what and where; a warning puts the teams of the plans
that cover it on standby and asks their leaders how many people they could send; starting a plan posts its tasks as
needs through the ordinary path. The services that keep them are in ``dispatch/services/plans/``.
"""
