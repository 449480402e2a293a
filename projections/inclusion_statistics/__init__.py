"""The governance office's digital-inclusion figures: sessions, participants, milestones, hours."""
