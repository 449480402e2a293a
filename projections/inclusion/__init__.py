"""The inclusion calendar: a house's training sessions with their fill rates and participants."""
