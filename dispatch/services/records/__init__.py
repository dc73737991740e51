"""What is logged and published: recovery tasks, drills, training, evaluations, reports and exports, complaints
and risk reports."""
