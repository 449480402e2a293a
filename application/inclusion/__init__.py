"""Digital inclusion: volunteers, training sessions, participants and their milestones."""
