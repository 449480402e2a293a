"""The tills read model: each agent's till of a shift, and the cash it took and paid out."""
